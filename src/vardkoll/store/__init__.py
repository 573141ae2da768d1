"""The operational store (SQLAlchemy 2 + Alembic) and the analytics store (DuckDB).

The operational store keeps every imported row with its version history, the import log,
patients and the current state of each pathway; SQLite embedded by default, PostgreSQL in
production. The analytics store is a DuckDB file holding pseudonyms only, rebuilt from the
operational store (or straight from national files) and swapped in atomically. The public
surface is exactly ``__all__``; everything else is private.
"""

from vardkoll.store import _models_files, _models_log, _models_people, _models_plans  # noqa: F401
from vardkoll.store._analytics import (
    ANALYTICS_TABLES,
    AnalyticsBuildReport,
    analytics_checksums,
    build_analytics,
    load_analytics_direct,
)
from vardkoll.store._analytics_pool import (
    AnalyticsCache,
    AnalyticsPool,
    analytics_cache,
    analytics_pool,
    file_version,
)
from vardkoll.store._auth_models import (
    GENESIS_HASH,
    ApiToken,
    AuditHead,
    AuditPurgePermit,
    AuditRecord,
    AuditReview,
    LoginAttempt,
    User,
    WebSession,
)
from vardkoll.store._backup import (
    SQLITE_MEMBER,
    StagedStore,
    copy_file_atomically,
    copy_member_name,
    discard_staged,
    row_counts,
    snapshot_store,
    stage_store,
    store_dialect,
    store_has_data,
    store_revision,
    swap_in,
)
from vardkoll.store._base import Base
from vardkoll.store._checksum import store_checksum
from vardkoll.store._engine import make_engine, write_transaction
from vardkoll.store._identity_links import add_identity_link, identity_history
from vardkoll.store._import import import_validated
from vardkoll.store._kinds import kind_spec
from vardkoll.store._migrate import alembic_config, current_revision, head_revision, upgrade
from vardkoll.store._models_files import FILE_TABLES
from vardkoll.store._models_plans import ProductionPlan, ProductionPlanWeek
from vardkoll.store._problems import (
    ImportRejected,
    ImportReport,
    Lang,
    ProblemLike,
    StoreProblem,
    ValidatedLike,
    mask_value,
)

__all__ = [
    "ANALYTICS_TABLES",
    "FILE_TABLES",
    "GENESIS_HASH",
    "SQLITE_MEMBER",
    "AnalyticsBuildReport",
    "AnalyticsCache",
    "AnalyticsPool",
    "ApiToken",
    "AuditHead",
    "AuditPurgePermit",
    "AuditRecord",
    "AuditReview",
    "Base",
    "ImportRejected",
    "ImportReport",
    "Lang",
    "LoginAttempt",
    "ProblemLike",
    "ProductionPlan",
    "ProductionPlanWeek",
    "StagedStore",
    "StoreProblem",
    "User",
    "ValidatedLike",
    "WebSession",
    "add_identity_link",
    "alembic_config",
    "analytics_cache",
    "analytics_checksums",
    "analytics_pool",
    "build_analytics",
    "copy_file_atomically",
    "copy_member_name",
    "current_revision",
    "discard_staged",
    "file_version",
    "head_revision",
    "identity_history",
    "import_validated",
    "kind_spec",
    "load_analytics_direct",
    "make_engine",
    "mask_value",
    "row_counts",
    "snapshot_store",
    "stage_store",
    "store_checksum",
    "store_dialect",
    "store_has_data",
    "store_revision",
    "swap_in",
    "upgrade",
    "write_transaction",
]
