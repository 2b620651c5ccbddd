from sela_events.app import SPEC
from sela_kit.runner import main

main(SPEC)
