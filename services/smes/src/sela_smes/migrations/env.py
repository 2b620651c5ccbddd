from sela_kit.migrations import run_env
from sela_smes.models import Base

run_env([Base.metadata])
