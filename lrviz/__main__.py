from lrviz.cli import main

main()
