from ae.cli import main

raise SystemExit(main())
