#!/usr/bin/env bash
# Start the local services a test tier needs, if they are installed but stopped.
# Usage: ensure-services.sh [mysql] [redis] [rabbitmq]
set -uo pipefail
wait_for() {  # name, command
  for _ in $(seq 1 30); do eval "$2" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "$1 did not come up" >&2; return 1
}
for service in "$@"; do
  case "$service" in
    mysql)
      if ! mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1 && command -v mariadbd >/dev/null; then
        echo "Starting MariaDB"
        start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
        wait_for MariaDB "mariadb-admin -h 127.0.0.1 -u root ping"
      fi ;;
    redis)
      if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && command -v redis-server >/dev/null; then
        echo "Starting Redis"
        mkdir -p /var/lib/redis /var/log/redis
        redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
          --dir /var/lib/redis --logfile /var/log/redis/ci.log
        wait_for Redis "redis-cli -h 127.0.0.1 ping"
      fi ;;
    rabbitmq)
      if ! rabbitmq-diagnostics -q ping >/dev/null 2>&1 && command -v rabbitmq-server >/dev/null; then
        echo "Starting RabbitMQ"
        rabbitmq-server -detached
        wait_for RabbitMQ "rabbitmq-diagnostics -q ping"
      fi ;;
  esac
done
exit 0
