"""The API's own blueprint: who is calling. The domains' API blueprints live in each domain's
api.py; create_app() registers them all (rest.init_api)."""

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from ..access import signed_in

blp = Blueprint(
    "api", __name__, url_prefix="/api/v1", description="Who is calling: the caller's account."
)


class MeSchema(Schema):
    email = fields.Email(required=True)
    display_name = fields.String(required=True)
    role = fields.String(required=True)


@blp.route("/me")
@signed_in
@blp.response(200, MeSchema)
def me():
    """The account behind this request (bearer token or browser session)."""
    return current_user
