"""wipo_training: WIPO Funds-in-Trust/Japan training courses and bilateral IP working groups."""

from pathlib import Path

from flask import Flask

from config import Config, instance_secret_key

from .sessions import SessionInterface

PROJECT_DIR = Path(__file__).resolve().parent.parent


def create_app(config_class: type = Config, **overrides) -> Flask:
    """The application factory: read it as the table of contents of the app."""
    app = Flask(
        __name__,
        instance_path=str(overrides.get("INSTANCE_PATH", config_class.INSTANCE_PATH)),
        template_folder=str(PROJECT_DIR / "templates"),
    )
    app.config.from_object(config_class)
    app.session_interface = SessionInterface()
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    register_extensions(app)
    register_blueprints(app)
    register_jobs(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from . import audit, counters  # noqa: F401  (models)
    from .auth import models  # noqa: F401
    from .courses import models as course_models  # noqa: F401
    from .database import configure_engine
    from .documents import models as document_models  # noqa: F401
    from .evaluations import models as evaluation_models  # noqa: F401
    from .extensions import csrf, db, limiter, login_manager, migrate
    from .meetings import models as meeting_models  # noqa: F401
    from .participants import models as participant_models  # noqa: F401
    from .people import models as people_models  # noqa: F401
    from .reports import models as report_models  # noqa: F401
    from .timetable import models as timetable_models  # noqa: F401

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, app.config["DATABASE_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(PROJECT_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"


def register_blueprints(app: Flask) -> None:
    from .admin.routes import bp as admin_bp
    from .api import blp as api_blp
    from .auth.routes import bp as auth_bp
    from .converters import IdConverter
    from .courses.routes import bp as courses_bp
    from .documents.routes import bp as documents_bp
    from .evaluations.routes import bp as evaluations_bp
    from .main.routes import bp as main_bp
    from .meetings.routes import bp as meetings_bp
    from .participants.routes import bp as participants_bp
    from .reports.routes import bp as reports_bp
    from .timetable.routes import bp as timetable_bp

    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(courses_bp)
    app.register_blueprint(participants_bp)
    app.register_blueprint(timetable_bp)
    app.register_blueprint(evaluations_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(meetings_bp)
    from .courses.api import blp as courses_api
    from .documents.api import blp as documents_api
    from .evaluations.api import blp as evaluations_api
    from .meetings.api import blp as meetings_api
    from .participants.api import blp as participants_api
    from .reports.api import blp as reports_api
    from .rest import init_api
    from .timetable.api import blp as timetable_api

    init_api(
        app,
        (
            api_blp,
            courses_api,
            participants_api,
            timetable_api,
            evaluations_api,
            documents_api,
            reports_api,
            meetings_api,
        ),
    )


def register_jobs(app: Flask) -> None:
    """The task queue, from the app's config, and the kinds of job each domain runs."""
    from . import jobs
    from .documents import tasks as document_tasks

    jobs.init_app(app)
    document_tasks.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    from .errors import register_errorhandlers as register

    register(app)


def register_request_hooks(app: Flask) -> None:
    from .access import enforce_access_policy
    from .database import autocommit_reads
    from .extensions import db
    from .security import set_security_headers

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            app.before_request(autocommit_reads)  # first: before anything reads
    app.before_request(enforce_access_policy)
    app.after_request(set_security_headers)


def register_template_helpers(app: Flask) -> None:
    from flask import request, url_for

    from .templating import country_name, date_range, row_url, status_badge

    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(date_range)
    app.add_template_global(status_badge)
    app.add_template_global(row_url)
    app.add_template_global(country_name)

    @app.template_filter()
    def local_time(moment, course, fmt: str = "%H:%M") -> str:
        """A stored (UTC) time as the course's local time, e.g. ``{{ s.starts_at |
        local_time(course, '%a %d %b %H:%M') }}``."""
        from .timetable.services import to_local

        return to_local(course, moment).strftime(fmt)

    @app.template_global()
    def url_for_page(number: int) -> str:
        """The current page's address with another page number, keeping the filters."""
        args = {**request.view_args, **request.args.to_dict(), "page": number}
        return url_for(request.endpoint, **args)


def register_cli(app: Flask) -> None:
    from .cli import register_cli as register

    register(app)
