from ticketry.cli import main

main()
