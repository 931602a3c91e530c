from forensix.cli import main

main()
