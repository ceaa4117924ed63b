"""Settings: deployment values from the environment and `.env`, municipality content from TOML.

A wrong municipality file is reported once, naming each bad key and its line, and nothing
starts: a bot that runs half-configured would give staff wrong answers.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, SettingsConfigDict

from dialogs.context import Contact, MunicipalityFacts

# The sample files of `make run`, named relative to the working directory; where that has no
# such file (`aiguide` started from elsewhere), the copies shipped beside this package are used.
_SAMPLE_MUNICIPALITY = Path("config/municipality.toml")
_SAMPLE_SYSTEMS = Path("config/systems.yaml")
_SHIPPED = Path(__file__).resolve().parents[1]


def _sample_file(path: Path | None, default: Path) -> Path | None:
    if path != default or path.exists() or not (_SHIPPED / default).is_file():
        return path
    return _SHIPPED / default


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AIGUIDE_", env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/aiguide.db"
    database_schema: str | None = None
    # Connections each process keeps open, and turns that use the database at once; more
    # turns wait their turn in arrival order (storage/fair_gate.py).
    database_pool_size: int = Field(default=10, ge=1, le=200)
    host: str = "127.0.0.1"
    # The local web chat lets whoever opens it act as any persona, so it is served only on
    # loopback unless this names the host names it may be opened by from other machines
    # (comma-separated): setting it says that risk is understood (bot/channels/local/).
    local_remote_hosts: str = ""
    port: int = Field(default=3978, ge=1, le=65535)
    municipality_file: Path = _SAMPLE_MUNICIPALITY
    # Loaded at start while the tenant's 別表 is empty (the sample data of `make run`).
    systems_file: Path | None = _SAMPLE_SYSTEMS
    messages_dir: Path | None = None
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    shutdown_timeout: float = Field(default=30.0, gt=0)
    # How often the scheduler ticks (reminders, outbox delivery), in seconds.
    tick_seconds: float = Field(default=10.0, gt=0)
    # Pace of deliveries on the local channel (0: no limit); platforms set their own limits.
    local_messages_per_second: float = Field(default=0.0, ge=0)
    # Mail to the CAIO and the security contact. Without a host, mail is kept in a local
    # mailbox (the local channel needs no mail server).
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "aiguide@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    # Each step of an SMTP conversation; a server that never answers fails the attempt.
    smtp_timeout: float = Field(default=30.0, gt=0)
    # After this many failed attempts an outbox message is dead: no more retries, listed by
    # `aiguide outbox list --dead`, revived by `aiguide outbox retry ID`.
    outbox_max_attempts: int = Field(default=10, ge=1)
    # How long a claimed message is held by one delivery; a process that dies mid-call
    # leaves it due again after this long.
    outbox_lease_seconds: float = Field(default=300.0, gt=0)
    # The channel that hosts the shared policy-division and CAIO channels.
    shared_channel: str = "local"
    # Slack (none set: no Slack). One workspace: the bot token; several: the OAuth client.
    slack_signing_secret: str | None = None
    slack_bot_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    # Socket Mode (no inbound port): the app-level token.
    slack_app_token: str | None = None
    # The Web API's base URL (tests and benchmarks point it at a loopback fake).
    slack_api_url: str | None = None
    # Where the OAuth flow sends the admin back (must match the app's redirect URL).
    slack_redirect_uri: str | None = None
    # A custom profile field (its id, e.g. Xf012345) that holds the person's division.
    slack_division_field: str | None = None
    # Pace of outbox posts per workspace (Slack allows about one message a second a channel).
    slack_messages_per_second: float = Field(default=1.0, ge=0)

    # --- Microsoft Teams (bot/channels/teams/) ------------------------------------------
    # The Azure Bot registration. With an app id, POST /api/messages is served and every
    # request's token is checked; without one the endpoint is off unless teams_dev_anonymous.
    teams_app_id: str | None = None
    teams_app_password: str | None = None
    teams_app_certificate: Path | None = None  # a PFX file instead of the password
    teams_app_tenant: str | None = None  # single-tenant registration: the app's Entra tenant
    # Development only: serve the endpoint without an app id (no token checked, none sent).
    teams_dev_anonymous: bool = False
    # Where the signing keys are published (the OpenID configuration names the JWKS); tests
    # and air-gapped set-ups point these at loopback.
    teams_openid_url: str = "https://login.botframework.com/v1/.well-known/openidconfiguration"
    teams_entra_openid_url: str | None = None  # default: login.microsoftonline.com/<tenant>
    # The Entra authority MSAL gets the bot's token from (an https URL ending in the tenant);
    # default https://login.microsoftonline.com/<teams_app_tenant>. Loopback in tests.
    teams_authority: str | None = None
    # A plain OAuth2 token endpoint used instead of MSAL (no instance or tenant discovery).
    teams_token_url: str | None = None
    # Messages the bot sends into one conversation per second (Teams throttles above ~7/s).
    teams_messages_per_second: float = Field(default=4.0, gt=0)

    @field_validator("municipality_file", "systems_file")
    @classmethod
    def _shipped_sample(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        default = (
            _SAMPLE_MUNICIPALITY if info.field_name == "municipality_file" else _SAMPLE_SYSTEMS
        )
        return _sample_file(path, default)

    @property
    def teams_enabled(self) -> bool:
        return bool(self.teams_app_id) or self.teams_dev_anonymous

    def slack_problem(self) -> str | None:
        """Why the Slack settings cannot work (one message naming the variable), or None.
        With none of them set, Slack is simply off."""
        return slack_settings_problem(self)

    @property
    def slack_enabled(self) -> bool:
        return any(getattr(self, name) for name in _SLACK_CONNECTION)


_SLACK_CONNECTION = (
    "slack_signing_secret",
    "slack_bot_token",
    "slack_client_id",
    "slack_client_secret",
    "slack_app_token",
)


def slack_settings_problem(settings: Settings) -> str | None:
    s = settings
    if not s.slack_enabled:
        if s.slack_api_url or s.slack_redirect_uri:
            name = "AIGUIDE_SLACK_API_URL" if s.slack_api_url else "AIGUIDE_SLACK_REDIRECT_URI"
            return f"{name} is set but Slack is not: set AIGUIDE_SLACK_BOT_TOKEN too"
        return None
    if s.slack_bot_token and (s.slack_client_id or s.slack_client_secret):
        return (
            "AIGUIDE_SLACK_BOT_TOKEN (one workspace) and AIGUIDE_SLACK_CLIENT_ID/SECRET "
            "(several workspaces) are both set: keep one of them"
        )
    if s.slack_client_id and not s.slack_client_secret:
        return "AIGUIDE_SLACK_CLIENT_SECRET is missing (AIGUIDE_SLACK_CLIENT_ID is set)"
    if s.slack_client_secret and not s.slack_client_id:
        return "AIGUIDE_SLACK_CLIENT_ID is missing (AIGUIDE_SLACK_CLIENT_SECRET is set)"
    if not s.slack_bot_token and not s.slack_client_id:
        return (
            "AIGUIDE_SLACK_BOT_TOKEN is missing (or AIGUIDE_SLACK_CLIENT_ID/SECRET for "
            "several workspaces)"
        )
    if s.slack_bot_token and not s.slack_bot_token.startswith("xoxb-"):
        return "AIGUIDE_SLACK_BOT_TOKEN must be a bot token (xoxb-…)"
    if s.slack_app_token and not s.slack_app_token.startswith("xapp-"):
        return "AIGUIDE_SLACK_APP_TOKEN must be an app-level token (xapp-…)"
    if not s.slack_signing_secret and (not s.slack_app_token or s.slack_client_id):
        # Socket Mode needs no signature; HTTP events and the OAuth redirect do.
        return "AIGUIDE_SLACK_SIGNING_SECRET is missing (Slack's requests cannot be verified)"
    if s.slack_api_url and not re.match(r"^https?://[^/\s]+(/.*)?$", s.slack_api_url):
        return "AIGUIDE_SLACK_API_URL must be an http(s) URL such as https://slack.com/api/"
    return None


class ConfigError(Exception):
    """A settings problem a person must fix; the message says where."""


# --- the municipality file --------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Municipality(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    name: str = Field(min_length=1)


class _Guideline(_Strict):
    version: str = Field(min_length=1)


class _Training(_Strict):
    name: str = Field(min_length=1)
    # "roster": only the policy division's training roster counts (`aiguide training import`)
    source: Literal["self_declared", "roster"] = "self_declared"
    renewal_days: int = Field(default=365, ge=1)
    remind_after_days: int = Field(default=5, ge=1)


class _Reports(_Strict):
    handling_days: int = Field(default=3, ge=1)  # §4イ due after this many working days
    result_days: int = Field(default=10, ge=1)  # §4ウ


class _Retention(_Strict):
    """How long records are kept before `aiguide data purge` may delete them (days; 0 keeps
    them for ever). Closed reports count from their last change."""

    reports_days: int = Field(default=0, ge=0)
    conversations_days: int = Field(default=0, ge=0)


class _Roles(_Strict):
    admins: list[str] = []  # bootstrap admins (policy division), by user id
    caio: list[str] = []


class _Channels(_Strict):
    """Where the policy-division and CAIO channels are: the platform and their ids on it."""

    shared: Literal["", "local", "slack", "teams"] = ""
    policy: str = Field(default="", max_length=200)
    caio: str = Field(default="", max_length=200)


class _Confidentiality(_Strict):
    classes: list[str] = Field(min_length=2)
    confidential_from: str
    # The lowest class of personal information the municipality holds (保有個人情報): a
    # person who says "personal information, class 1" is told the bot uses this one.
    personal_info_min_class: str = "2"

    @field_validator("classes")
    @classmethod
    def _no_repeats(cls, classes: list[str]) -> list[str]:
        if len(set(classes)) != len(classes):
            raise ValueError("a class appears twice; list each class once, most confidential first")
        return classes

    @field_validator("confidential_from", "personal_info_min_class")
    @classmethod
    def _on_the_scale(cls, value: str, info: ValidationInfo) -> str:
        classes = info.data.get("classes") or []
        if classes and value not in classes:
            raise ValueError(f"must be one of the classes ({', '.join(classes)})")
        return value


class _Contact(_Strict):
    name: str = Field(min_length=1)
    email: str = Field(default="", pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str = ""


class _Contacts(_Strict):
    policy: _Contact
    caio: _Contact
    security: _Contact
    inquiry: _Contact


class _Organisation(_Strict):
    divisions: list[str] = Field(min_length=1)


class Persona(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    name: str = Field(min_length=1)
    division: str = ""
    role: Literal["staff", "admin", "caio"] = "staff"
    # What a directory would give (Slack profile, Entra UPN): the profile form does not ask.
    email: str = Field(default="", max_length=254, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")


class MunicipalityFile(_Strict):
    municipality: _Municipality
    guideline: _Guideline
    training: _Training
    confidentiality: _Confidentiality
    contacts: _Contacts
    organisation: _Organisation
    roles: _Roles = _Roles()
    reports: _Reports = _Reports()
    channels: _Channels = _Channels()
    retention: _Retention = _Retention()
    # Sample people for the local channel only (the web chat's and the terminal's 話す人).
    personas: list[Persona] = []

    def facts(self) -> MunicipalityFacts:
        def contact(c: _Contact) -> Contact:
            return Contact(name=c.name, email=c.email, phone=c.phone)

        return MunicipalityFacts(
            tenant_id=self.municipality.id,
            name=self.municipality.name,
            guideline_version=self.guideline.version,
            training_name=self.training.name,
            confidentiality_classes=tuple(self.confidentiality.classes),
            confidential_from=self.confidentiality.confidential_from,
            personal_info_min_class=self.confidentiality.personal_info_min_class,
            divisions=tuple(self.organisation.divisions),
            policy_division=contact(self.contacts.policy),
            caio=contact(self.contacts.caio),
            security=contact(self.contacts.security),
            inquiry=contact(self.contacts.inquiry),
            training_source=self.training.source,
            renewal_days=self.training.renewal_days,
            remind_after_days=self.training.remind_after_days,
            admins=tuple(self.roles.admins),
            caio_users=tuple(self.roles.caio),
            report_handling_days=self.reports.handling_days,
            report_result_days=self.reports.result_days,
            shared_channel=self.channels.shared,
            policy_channel_id=self.channels.policy,
            caio_channel_id=self.channels.caio,
        )


def load_municipality(path: Path) -> MunicipalityFile:
    """Read and check the municipality file; ConfigError names every bad key and its line."""
    try:
        # utf-8-sig: editors on Windows often save UTF-8 with a byte-order mark.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found (set AIGUIDE_MUNICIPALITY_FILE)") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror})") from None
    return parse_municipality(path, text)


def parse_municipality(path: Path, text: str) -> MunicipalityFile:
    """Check a municipality file's text; `path` only names it in the errors."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    try:
        return MunicipalityFile.model_validate(raw)
    except ValidationError as error:
        lines = _key_lines(text)
        problems = []
        for issue in error.errors():
            loc = tuple(issue["loc"])
            key = ".".join(str(part) for part in loc)
            where = _line_of(lines, loc)
            place = f"{path}:{where}" if where else str(path)
            problems.append(f"{place}: {key}: {_reason(issue)}")
        raise ConfigError("\n".join(problems)) from None


def _reason(issue: ErrorDetails) -> str:
    if issue["type"] == "missing":
        return "missing (this key is required)"
    if issue["type"] == "extra_forbidden":
        return "unknown key (check the spelling)"
    return issue["msg"].removeprefix("Value error, ")


_HEADER = re.compile(r"^\s*\[(\[)?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


def _key_lines(text: str) -> dict[tuple[str | int, ...], int]:
    """Each table and key of a TOML text → its line number (1-based)."""
    found: dict[tuple[str | int, ...], int] = {}
    table: tuple[str | int, ...] = ()
    array_counts: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if header := _HEADER.match(line):
            path = tuple(part.strip() for part in header[2].split("."))
            if header[1]:  # [[array]]: the n-th element
                index = array_counts.get(path, 0)
                array_counts[path] = index + 1
                table = (*path, index)
            else:
                table = path
            found.setdefault(table, number)
        elif key := _KEY.match(line):
            found.setdefault((*table, key[1]), number)
    return found


def _line_of(lines: dict[tuple[str | int, ...], int], loc: tuple[str | int, ...]) -> int | None:
    """The line of the key, or of the nearest enclosing table when the key is missing."""
    for end in range(len(loc), 0, -1):
        if (line := lines.get(loc[:end])) is not None:
            return line
    return None
