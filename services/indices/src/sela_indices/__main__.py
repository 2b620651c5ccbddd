from sela_indices.app import SPEC
from sela_kit.runner import main

main(SPEC)
