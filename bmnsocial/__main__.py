from bmnsocial.cli.main import main

main()
