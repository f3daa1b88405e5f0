"""Admin pages: users and the audit log."""

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import roles
from ..audit import AuditEntry
from ..auth import services as auth_services
from ..auth import two_factor
from ..auth.forms import ConfirmForm, NewUserForm, UserForm
from ..auth.links import deliver_link
from ..auth.models import Role, User
from ..extensions import db
from ..mail import mail_configured
from ..rules import saving

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users")
@roles(Role.ADMIN)
def users():
    """All accounts, searchable by name or email; who has no password yet, who asked for one."""
    query = request.args.get("q", "").strip()
    stmt = sa.select(User).order_by(User.email)
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            sa.or_(User.email.like(like), sa.func.lower(User.display_name).like(like))
        )
    page = db.paginate(stmt, per_page=current_app.config["PER_PAGE"], error_out=False)
    asked = auth_services.password_requests(user.id for user in page.items)
    return render_template("admin/users.html", page=page, query=query, asked=asked)


@bp.route("/users/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_user():
    """Create an account; without a password, the user is invited to choose one by a link."""
    form = NewUserForm()
    if form.validate_on_submit():
        with saving(form, field="email") as outcome:
            user, link = auth_services.create_account(
                current_user,
                form.email.data,
                form.display_name.data,
                form.role.data,
                form.password.data or None,
                form.active.data,
            )
        if outcome:
            flash(f"Account {user.email} created.", "success")
            if link is not None:
                return render_template(
                    "auth/sign_in_link.html",
                    user=user,
                    link=link,
                    delivery=deliver_link(link),
                    back=url_for("admin.users"),
                )
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_user(user_id: int):
    """Change a user's name, role, active flag or password; see how they sign in."""
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    form.email.render_kw = {"readonly": True}
    if form.validate_on_submit():
        with saving(form, field="role") as outcome:
            auth_services.update_user(
                current_user, user, form.display_name.data, form.role.data, form.active.data
            )
            if form.password.data:
                auth_services.set_password(current_user, user, form.password.data)
        if outcome:
            flash(f"Account {user.email} saved.", "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        state=auth_services.sign_in_state(user),
        link_form=ConfirmForm(),
        mail_on=mail_configured(),
        two_factor_required=two_factor.required_for(user),
        recovery_codes_left=two_factor.recovery_codes_left(user),
    )


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["POST"])
@roles(Role.ADMIN)
def reset_two_factor(user_id: int):
    """Remove a user's second factor (a lost phone): their sessions end, and a role that
    requires one sets up a new one at the next sign-in. Audited."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        flash("Nothing was reset: reload the page and try again.", "danger")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    with saving() as outcome:
        two_factor.reset(current_user, user)
    if outcome:
        flash(
            f"The second factor of {user.email} is reset; they are signed out everywhere.",
            "success",
        )
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/sign-in-link", methods=["POST"])
@roles(Role.ADMIN)
def make_sign_in_link(user_id: int):
    """A new invitation (no password yet) or password reset link for the user, to copy, and
    emailed when email is set up; earlier links stop working."""
    user = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        flash("No link was made: reload the page and try again.", "danger")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    with saving() as outcome:
        link = auth_services.make_sign_in_link(current_user, user)
    if not outcome:
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template(
        "auth/sign_in_link.html",
        user=user,
        link=link,
        delivery=deliver_link(link),
        back=url_for("admin.edit_user", user_id=user.id),
    )


@bp.route("/audit")
@roles(Role.ADMIN)
def audit_log():
    """Every recorded change, newest first, filterable by action."""
    action = request.args.get("action", "").strip()
    stmt = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action:
        stmt = stmt.where(AuditEntry.action.like(f"{action}%"))
    page = db.paginate(stmt, per_page=50, error_out=False)
    return render_template("admin/audit.html", page=page, action=action)
