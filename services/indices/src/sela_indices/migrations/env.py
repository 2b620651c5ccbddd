from sela_indices.models import Base
from sela_kit.migrations import run_env

run_env([Base.metadata])
