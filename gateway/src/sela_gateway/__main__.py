from sela_gateway.runner import main

main()
