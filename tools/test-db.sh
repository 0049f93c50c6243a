# Sourced by `make test`: starts the local PostgreSQL 15 when it is there, creates the test database and
# exports TEST_DATABASE_URL so every database test runs on PostgreSQL as well as SQLite.
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "PostgreSQL tests on the given TEST_DATABASE_URL"
  return 0
fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  version=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1{print $1}')
  cluster=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1{print $2}')
  port=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1{print $3}')
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -1)
    pg_createcluster "$version" main >/dev/null
    cluster=main; port=5432
  fi
  pg_ctlcluster "$version" "$cluster" start 2>/dev/null || true
  for _ in $(seq 1 30); do
    su postgres -c "pg_isready -q -p $port" && break
    sleep 1
  done
  su postgres -c "psql -q -p $port -tc \"SELECT 1 FROM pg_roles WHERE rolname='xiaobao_test'\" | grep -q 1 || psql -q -p $port -c \"CREATE ROLE xiaobao_test LOGIN CREATEDB PASSWORD 'xiaobao_test'\""
  # Each test run makes (and drops) a database of its own, so parallel runs never collide.
  su postgres -c "psql -q -p $port -c 'ALTER ROLE xiaobao_test CREATEDB'"
  su postgres -c "psql -q -p $port -tc \"SELECT 1 FROM pg_database WHERE datname='xiaobao_test'\" | grep -q 1 || createdb -p $port -O xiaobao_test xiaobao_test"
  export TEST_DATABASE_URL="postgresql+psycopg://xiaobao_test:xiaobao_test@127.0.0.1:${port}/xiaobao_test"
  echo "PostgreSQL $version tests on $TEST_DATABASE_URL"
else
  echo "warning: PostgreSQL not available (needs root and pg_ctlcluster): running the database tests on SQLite only" >&2
fi
