from sela_events.models import Base, load_all_models
from sela_kit.migrations import run_env

load_all_models()
run_env([Base.metadata])
