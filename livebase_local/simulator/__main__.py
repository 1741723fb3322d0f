from livebase_local.simulator.records import main

raise SystemExit(main())
