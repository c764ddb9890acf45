from workshift.cli import main

main()
