import sys

from signport.cli import main

sys.exit(main())
