"""Settings shared by every environment, read from the environment (12-factor).

Defaults give a first run that needs nothing installed: SQLite, the django-q2 ORM broker and
media on local disk. Production sets DATABASE_URL (PostgreSQL via psycopg 3) and REDIS_URL.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "gaitportal.apps.GaitPortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "accounts",
    "recognition",
    "attendance",
    "gaitportal.apps.GaitPortalConfig",
]

MIDDLEWARE = [
    "gaitportal.request_guard.RequestGuardMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "gaitportal.security_headers.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.TenantScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gaitportal.urls"
WSGI_APPLICATION = "gaitportal.wsgi.application"
ASGI_APPLICATION = "gaitportal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.tenancy",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the django-q2 worker use the file side by side.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Uploads are never served from MEDIA_URL: only through authorised views (gaitportal.uploads).
EXCUSE_DOCUMENT_MAX_BYTES = env.int("EXCUSE_DOCUMENT_MAX_BYTES", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 50 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# django-q2: the ORM broker needs no service (first run); Redis in production.
Q_CLUSTER = {
    "name": "gaitportal",
    "workers": env.int("Q_WORKERS", default=1),
    "timeout": env.int("Q_TIMEOUT", default=600),
    "retry": env.int("Q_RETRY", default=900),
    "max_attempts": 3,
    "queue_limit": 50,
    "bulk": 10,
    "catch_up": False,
    "label": "Background tasks",
    # Heavy work (pose estimation, embedding, fine-tuning) runs on its own queue, served by a
    # second cluster started with Q_CLUSTER_NAME=gaitportal-heavy (deploy/run_local.sh), so a
    # long video never holds up the light tasks (calibration, purges, sessions).
    "ALT_CLUSTERS": {
        "gaitportal-heavy": {
            "workers": env.int("Q_HEAVY_WORKERS", default=1),
            "timeout": env.int("Q_HEAVY_TIMEOUT", default=1800),
            "retry": env.int("Q_HEAVY_RETRY", default=1900),
            "max_attempts": 3,
        }
    },
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1
    # An uploaded clip waits for the heavy cluster's next look at the queue: a quarter second
    # (four small queries a second while idle) rather than a whole one.
    Q_CLUSTER["ALT_CLUSTERS"]["gaitportal-heavy"]["poll"] = 0.25

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="gaitportal@localhost")

# Same-origin scripts and styles only (gaitportal.security_headers); "" switches it off.
CONTENT_SECURITY_POLICY = env(
    "CONTENT_SECURITY_POLICY",
    default="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)

# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks). Empty: none,
# the client address is REMOTE_ADDR (accounts.client_address).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
# Sign-in throttle (page and API token): attempts per client address, failures per account.
SIGN_IN_RATE_PER_ADDRESS = env("THROTTLE_AUTH", default="20/min")
SIGN_IN_FAILURES_PER_ACCOUNT = env("THROTTLE_AUTH_ACCOUNT", default="10/hour")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.APIKeyAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.api.permissions.HasInstitutionRole"],
    "DEFAULT_PARSER_CLASSES": [
        "gaitportal.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_METADATA_CLASS": "gaitportal.api.metadata.Metadata",
    "DEFAULT_PAGINATION_CLASS": "gaitportal.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.api.throttling.AnonRateThrottle",
        "accounts.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="60/min"),
        "user": env("THROTTLE_USER", default="6000/min"),
        "auth": env("THROTTLE_AUTH", default="20/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "gaitportal.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "GaitPortal API",
    "DESCRIPTION": "Attendance from gait recognition: institutions, people, sessions, records.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Served from drf-spectacular-sidecar so the docs work with no internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "gaitportal.api.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AttendanceStatusEnum": "attendance.models.records.Status",
        "WalkingDirectionEnum": "attendance.models.cameras.WalkingDirection",
        "CameraRoleEnum": "attendance.models.cameras.Camera.Role",
        "MemberRoleEnum": "accounts.roles.Role",
        "InvitationStatusEnum": "accounts.models.Invitation.Status",
    },
}

# Gait engine
GAIT_POSE_BACKEND = env("GAIT_POSE_BACKEND", default="mediapipe")
GAIT_MODEL_PATH = env.path(
    "GAIT_MODEL_PATH", default=BASE_DIR / "recognition" / "gait" / "models" / "default.pt"
)
MMPOSE_CONFIG = env("MMPOSE_CONFIG", default="")
MMPOSE_CHECKPOINT = env("MMPOSE_CHECKPOINT", default="")
MMPOSE_DEVICE = env("MMPOSE_DEVICE", default="cpu")
GAIT_HEAVY_CLUSTER = "gaitportal-heavy"
# torch intra-op threads per worker process (scale with Q_HEAVY_WORKERS, not inside them).
GAIT_TORCH_THREADS = env.int("GAIT_TORCH_THREADS", default=1)
# Uploads larger than this are refused at the door (400 naming the file).
GAIT_UPLOAD_MAX_BYTES = env.int("GAIT_UPLOAD_MAX_BYTES", default=200 * 1024 * 1024)
# Frames are shrunk to this longest side before pose estimation (keypoints stay in full size).
GAIT_POSE_MAX_SIDE = env.int("GAIT_POSE_MAX_SIDE", default=640)
# Poses are estimated on every n-th frame of a faster video, keeping at least this rate (a
# 50 or 60 frames/s phone video: every other frame). The network sees 25 frames/s; going below
# that costs accuracy (real clips at 12.5 frames/s: docs/PERFORMANCE.md). 0: every frame.
GAIT_POSE_MIN_FPS = env.float("GAIT_POSE_MIN_FPS", default=25.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
