from bmnsocial.cli import main

main()
