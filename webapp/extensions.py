"""Unbound extension objects, bound to the app in create_app()."""
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = Htmx()
compress = Compress()
talisman = Talisman()
# Storage is chosen in create_app(): memory locally, Redis when REDIS_URL is set.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
