from sela_kit.jobs import JOBS_METADATA
from sela_kit.migrations import run_env
from sela_migration.models import Base, load_models

load_models()
run_env([Base.metadata, JOBS_METADATA])
