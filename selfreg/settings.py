"""Settings for the portal.

Every environment variable is read once, here, with a default that is safe for a first run on
a developer's machine (SQLite, Celery in eager mode). Production differences come from the
environment; `.env.example` lists every variable.
"""

from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Only DEBUG gets a built-in key: a production start without SECRET_KEY fails loudly.
SECRET_KEY = env.str(
    "SECRET_KEY", default="insecure-development-key" if DEBUG else environ.Env.NOTSET
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

PORTAL_NAME = env.str("PORTAL_NAME", default="Council Improvement Portal")
# The portal's public address, which links in emails start with (a job has no request).
PORTAL_URL = env.str("PORTAL_URL", default="http://127.0.0.1:8000")
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo-portal-2026")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_forms_gds",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "simple_history",
    "selfreg",
    "selfreg.assessment",
    "benchmarking",
    "peerchallenge",
    "earlywarning",
    "knowledgehub",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "selfreg.middleware.RejectNulCharactersMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Sector staff and administrators go no further than the second sign-in step until they
    # pass it (selfreg.middleware.TwoFactorMiddleware).
    "selfreg.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "selfreg.middleware.PrivatePagesMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must come last so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "selfreg.urls"
WSGI_APPLICATION = "selfreg.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "selfreg.context_processors.portal",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Each worker keeps its database connection for a minute rather than opening one a request
# (about 4 ms on PostgreSQL); one that has dropped is noticed and replaced at the next request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Covering indexes (benchmarking's council_values) are PostgreSQL's; SQLite goes without.
    # So is NULLS NOT DISTINCT: on the development database a similar council of today's era
    # (no start date) is kept once by the one service that writes them, not by a constraint.
    SILENCED_SYSTEM_CHECKS = ["models.W040", "models.W047"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "selfreg.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Passwords are hashed with Argon2id, the memory-hard hash OWASP recommends first, at
# argon2-cffi's defaults through Django (time cost 2, 100 MiB, 8 lanes). It also costs the
# server less than PBKDF2 at Django's 1,500,000 iterations (0.19 s of CPU a sign-in against
# 0.35 s on a quiet 2-core machine; BENCHMARKS.md), so a burst of sign-ins holds up other
# requests less. Hashes made with PBKDF2 still verify and are rewritten with Argon2 at the
# next sign-in; as with Django's own yearly rise in PBKDF2 iterations, that rewrite ends the
# person's other sessions, once.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Lock an account out after five failed sign-ins from the same address for one hour, on the
# sign-in page and the admin's alike. The address is the client's own, found behind trusted
# proxies as the API throttle finds it (NUM_PROXIES), so failures from one person behind a
# proxy do not lock out everyone else behind it.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_CLIENT_IP_CALLABLE = "selfreg.addresses.client_address"
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"

# Two-factor sign-in: authenticator apps (TOTP) show the portal's name beside the code.
OTP_TOTP_ISSUER = PORTAL_NAME
# Sign-up and password reset, as count/seconds: from one client address (read as the API
# throttle reads it), and for one email address, so no one can flood an inbox.
ACCOUNT_LIMIT_PER_ADDRESS = env.str("ACCOUNT_LIMIT_PER_ADDRESS", default="10/3600")
ACCOUNT_LIMIT_PER_EMAIL = env.str("ACCOUNT_LIMIT_PER_EMAIL", default="3/3600")
# Links in sign-up and password reset emails stop working after this many seconds.
PASSWORD_RESET_TIMEOUT = env.int("ACCOUNT_LINK_SECONDS", default=24 * 60 * 60)

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploaded files are validated in full before anything is stored; keep them out of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# plotly.js creates an empty <style> element and fills it through the CSSOM, and injects
# MapLibre's stylesheet: the two hashes allow exactly those (assets/CSP-NOTES.md says how to
# recompute the second after upgrading plotly). blob: lets "Download plot as PNG" work.
PLOTLY_STYLE_HASHES = [
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",
]
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, *PLOTLY_STYLE_HASHES],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# A session ends after this long without a request (selfreg.middleware.PrivatePagesMiddleware
# moves its expiry on, at most once a minute, while it is in use).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=60) * 60
SESSION_TOUCH_SECONDS = 60
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# Browsers are told to use HTTPS only for a year. Django sends the header only on a request
# that came over HTTPS (directly, or through a proxy that says so in X-Forwarded-Proto), so
# a first run over plain HTTP is unaffected. Subdomains and preloading follow, as before; a
# deployment sharing its domain with plain-HTTP sites turns them off.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SECURE_HSTS_SECONDS > 0
)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=SECURE_HSTS_SECONDS > 0)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {
    "default": {
        "BACKEND": "selfreg.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or "cache+memory://")
# Without a broker the first run executes jobs in the request, so nothing needs starting.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TIMEZONE = TIME_ZONE
# If the broker is down, queueing a job fails within seconds instead of hanging the request;
# the job's own record says it is waiting, and `benchmarking.tasks.uploads_requeue` queues it
# again once the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A job is acknowledged only when it ends, so one whose worker died mid-job (killed, out of
# memory) is delivered again once CELERY_REDELIVER_AFTER seconds have passed since it was
# taken: longer than the longest job's time limit, so a job still running is not doubled.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    "visibility_timeout": env.int("CELERY_REDELIVER_AFTER", default=2 * 60 * 60),
}
# Values changed within this many seconds of each other share one comparisons recompute.
RECOMPUTE_DELAY_S = env.float("RECOMPUTE_DELAY_S", default=10.0)
# Councils per early-warning task: the assessment of every council is split into chunks of
# this many, run side by side by the workers.
RISK_CHUNK_COUNCILS = env.int("RISK_CHUNK_COUNCILS", default=100)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5}
# Queueing a job also subscribes to its result: without this the result store retries 20
# times a second apart, holding the request for 19 s when Redis is down.
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.5},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # `Authorization: Token <key>`, the keys stored hashed (selfreg.models.ApiToken).
        "selfreg.tokens.HashedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 500,
    "DEFAULT_THROTTLE_RATES": {"anon": "120/min", "user": "600/min"},
    # Throttles count by client address. Trust X-Forwarded-For only from as many proxies as
    # production puts in front (0: none), so a client cannot name itself a new address.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
# Anyone may respond to a consultation without signing in, so responses are counted in the
# cache: per client address (read as the throttles above read it) and per consultation,
# count/seconds. A person answering every theme stays well inside the first; a flood from
# many addresses meets the second. No CAPTCHA: the puzzles fail WCAG.
RESPONSE_LIMIT_PER_ADDRESS = env.str("RESPONSE_LIMIT_PER_ADDRESS", default="20/3600")
RESPONSE_LIMIT_PER_CONSULTATION = env.str("RESPONSE_LIMIT_PER_CONSULTATION", default="120/600")
# A PDF takes seconds of the server's time to lay out: each client address may ask for so many.
PDF_LIMIT_PER_ADDRESS = env.str("PDF_LIMIT_PER_ADDRESS", default="30/600")

SPECTACULAR_SETTINGS = {
    "TITLE": f"{PORTAL_NAME} API",
    "DESCRIPTION": "Open data on English councils' performance, cost and residents' views.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# Email goes to the SMTP server named by EMAIL_URL (smtp://user:password@host:25, smtp+tls://
# for STARTTLS, smtps:// for TLS from the start); with DEBUG on and no EMAIL_URL it is printed
# to the console. Every email is sent by a background job (selfreg.emails), never in a request.
# (Lower-case names: Django refuses its old EMAIL_* settings beside MAILERS.)
email_url = env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
MAILERS = {"default": {"BACKEND": env.str("EMAIL_BACKEND", default=email_url["EMAIL_BACKEND"])}}
if MAILERS["default"]["BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": email_url["EMAIL_HOST"] or "localhost",
        "port": email_url.get("EMAIL_PORT") or None,
        "username": email_url.get("EMAIL_HOST_USER") or None,
        "password": email_url.get("EMAIL_HOST_PASSWORD") or None,
        "use_tls": bool(email_url.get("EMAIL_USE_TLS")),
        "use_ssl": bool(email_url.get("EMAIL_USE_SSL")),
        "timeout": env.int("EMAIL_TIMEOUT", default=10),
    }
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint reports each CSS rule it does not lay out (the screen's media queries in
    # the GOV.UK stylesheet): only its errors matter.
    "loggers": {"axes": {"level": "WARNING"}, "weasyprint": {"level": "ERROR"}},
}

# crispy-forms-gds leaves number, URL and date inputs unstyled; give them the GOV.UK class.
CRISPY_CLASS_CONVERTERS = {
    "numberinput": "govuk-input",
    "urlinput": "govuk-input",
    "dateinput": "govuk-input",
    "searchinput": "govuk-input",
}

ADMIN_PATH = env.str("ADMIN_PATH", default="admin")
