"""Files in and out: imports (roster, 別表) and exports (CSV, XLSX, YAML)."""
