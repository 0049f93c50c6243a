"""消保通 (Xiaobao): the application factory."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, request
from markupsafe import Markup
from flask_login import current_user

from webapp import config as config_module
from webapp import conditional, db, i18n, notify
# The package namespace also holds submodules (webapp.htmx …): use the extensions through their module.
from webapp import extensions as ext

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "connect-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "worker-src": "'self'",
    "manifest-src": "'self'",
}


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment, with `config` overriding for tests."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_path=str(config_module.INSTANCE))
    app.config.update(config_module.from_env())
    app.config.update(config or {})
    if app.config["TRUSTED_PROXIES"] > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    db.init_app(app)
    notify.init_app(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extension objects of webapp.extensions to this app."""
    from webapp import assets
    from webapp.assets import asset_url
    from webapp.auth.session import load_user, unauthorized

    ext.login_manager.init_app(app)
    ext.login_manager.user_loader(load_user)
    ext.login_manager.unauthorized_handler(unauthorized)
    ext.csrf.init_app(app)
    ext.babel.init_app(app, locale_selector=i18n.select_locale,
                   timezone_selector=lambda: app.config["BABEL_DEFAULT_TIMEZONE"])
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    ext.limiter.init_app(app)
    ext.htmx.init_app(app)
    ext.compress.init_app(app)
    # Static files (webapp/assets.py): their answer leaves the session cookie out, and runs through this hook
    # after Talisman has added its page headers (dropped there) and before Flask-Compress (which leaves it be).
    app.session_interface = assets.StaticSessionInterface()
    app.after_request(assets.static_response)
    ext.talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="same-origin",
    )
    app.after_request(i18n.remember_lang)
    app.after_request(_cache_headers)
    conditional.init_app(app)

    @app.context_processor
    def shell_context() -> dict:
        return {
            "lang": i18n.current_lang(),
            "text_size": i18n.text_size(),
            "asset_url": asset_url,
            "current_user": current_user,
            "city_name": app.config["CITY_NAME"],
            "nowrap": _nowrap,
            "lang_url": _lang_url,
        }


def _lang_url(code: str) -> str:
    # The language switch keeps the rest of the address (a QR link's ?event=, a list's filters).
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return request.path + "?" + urlencode(args, doseq=True)


def _nowrap(text: str) -> Markup:
    # Dates like 2026-12-02 must not break at their hyphens on a narrow screen.
    return Markup('<span class="nowrap">%s</span>') % text


def _cache_headers(response):
    # Assets carry their content hash in ?v=, so they can be cached for a year.
    if request.path.startswith("/static/") and request.args.get("v"):
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    elif "Cache-Control" not in response.headers:
        # Pages carry people's complaints and staff's records: no shared cache (proxy, CDN) may keep them.
        response.headers["Cache-Control"] = "private"
    return response


def register_blueprints(app: Flask) -> None:
    """Mount each area's routes."""
    from webapp.auth.routes import bp as auth_bp
    from webapp.complaints.routes import bp as complaints_bp
    from webapp.complaints.handling_routes import bp as handling_bp
    from webapp.media.routes import bp as media_bp
    from webapp.merchants.routes import bp as merchants_bp
    from webapp.shell import bp as shell_bp
    from webapp.sync.routes import bp as sync_bp

    for bp in (shell_bp, auth_bp, complaints_bp, handling_bp, media_bp, merchants_bp, sync_bp):
        app.register_blueprint(bp)
    from webapp.inspections import checklist_routes, office_routes, routes as inspection_routes
    from webapp.campaigns.routes import bp as campaigns_bp
    for bp in (inspection_routes.bp, office_routes.bp, checklist_routes.bp, campaigns_bp):
        app.register_blueprint(bp)
    from webapp.outreach import qr_routes, roster_routes, routes as outreach_routes
    for bp in (outreach_routes.bp, qr_routes.bp, roster_routes.bp):
        app.register_blueprint(bp)
    from webapp.complaints import cluster_routes
    from webapp.merchants import merchant_routes, risk_routes
    from webapp.public import routes as public_routes
    for bp in (merchant_routes.bp, risk_routes.bp, cluster_routes.bp, public_routes.bp):
        app.register_blueprint(bp)
    from webapp.reports import dashboard_routes, export_routes, rollup, summary_routes, target_routes  # noqa: F401
    for bp in (dashboard_routes.bp, summary_routes.bp, target_routes.bp, export_routes.bp):
        app.register_blueprint(bp)


def register_errorhandlers(app: Flask) -> None:
    """Error pages for 4xx and 500, full page or htmx fragment, in both languages; 503 while the database is down."""
    from webapp import db_errors
    from webapp.errors import register

    register(app)
    db_errors.register(app)


def register_cli(app: Flask) -> None:
    """flask commands: demo data, create-user."""
    from webapp.cli import register

    register(app)
