from sela_kit.migrations import run_env
from sela_migration.models import Base

run_env([Base.metadata])
