#!/usr/bin/env bash
# README "Production", followed step by step on a fresh PostgreSQL database (127.0.0.1,
# user postgres), to a page on a stand-in phone: the three processes as production runs
# them (gunicorn with portal/gunicorn.conf.py, qcluster, engine), DEBUG=0, the Twilio
# stand-in of the tests (tests/notifications/standins/) as the carrier. Prints how long
# it took from the empty database to the SMS page, and from the alert to the SMS.
#   bench/production_walkthrough.sh
set -u
cd "$(dirname "$0")/.."
WALK=$(mktemp -d)
: > "$WALK/sms.log"
WALK="$WALK" .venv/bin/python bench/walkthrough_phone.py > "$WALK/standin.out" 2>&1 &
STANDIN=$!
while [ ! -s "$WALK/port" ]; do sleep 0.1; done
T0=$(date +%s.%N)
DB=walkthrough_$(date +%s)
createdb -h 127.0.0.1 -U postgres "$DB"                                   # 1. the database
export DEBUG=0 SECRET_KEY=$(python3 -c 'import secrets;print(secrets.token_urlsafe(50))')
export ALLOWED_HOSTS=127.0.0.1,portal.example.com PORTAL_BASE_URL=https://portal.example.com GUNICORN_BIND=127.0.0.1:8771
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB TRUST_X_FORWARDED_PROTO=1
export STATIC_ROOT=$WALK/static
export TWILIO_ACCOUNT_SID=AC0123456789abcdef0123456789abcdef TWILIO_AUTH_TOKEN=0f1e2d3c4b5a69788796a5b4c3d2e1f0
export TWILIO_FROM_NUMBER=+15005550006 TWILIO_API_URL=http://127.0.0.1:$(cat $WALK/port)
PY=.venv/bin/python
$PY manage.py migrate --no-input >/dev/null                                # 4. schema…
$PY manage.py createcachetable
$PY manage.py setup_schedules
$PY manage.py collectstatic --no-input >/dev/null
DJANGO_SUPERUSER_PASSWORD=walk-pass-123456 $PY manage.py createsuperuser --noinput --username founder --email founder@example.com
$PY manage.py loadpolicy founder-24x7 --time-zone Europe/Berlin --holidays DE --approve --as founder
.venv/bin/gunicorn -c portal/gunicorn.conf.py > $WALK/web.log 2>&1 &   # 5. the three processes
WEB=$!
$PY manage.py qcluster > $WALK/worker.log 2>&1 &
WORKER=$!
$PY manage.py engine > $WALK/engine.log 2>&1 &
ENGINE=$!
$PY manage.py contact add founder --kind sms --to +15551230001            # 6. your phone
for i in $(seq 1 100); do grep -q '"kind": "sms"' $WALK/sms.log && break; sleep 0.2; done
CODE=$(python3 -c "import json,re;print(re.search(r'code (\d{6})', json.loads(open('$WALK/sms.log').readline())['text']).group(1))")
echo "code texted: $CODE"
$PY manage.py contact verify founder "$CODE"
sleep 6   # the engine's first heartbeats
$PY manage.py doctor; echo "doctor exit $?"
KEY=$($PY manage.py integration create --kind pagerduty --name Monitoring | tail -1)
T1=$(date +%s.%N)
curl -s -o /dev/null -w "alert answered %{http_code}\n" -H "X-Forwarded-Proto: https" -H "Content-Type: application/json" \
  -d "{\"routing_key\":\"$KEY\",\"event_action\":\"trigger\",\"dedup_key\":\"walk\",\"payload\":{\"summary\":\"Checkout down\",\"source\":\"web-1\",\"severity\":\"critical\"}}" \
  http://127.0.0.1:8771/integrations/pagerduty/v2/enqueue
for i in $(seq 1 200); do [ "$(grep -c '"kind": "sms"' $WALK/sms.log)" -ge 2 ] && break; sleep 0.1; done
T2=$(date +%s.%N)
tail -1 $WALK/sms.log
python3 -c "print(f'empty database to the page on the phone: {$T2-$T0:.1f} s; alert to SMS: {$T2-$T1:.2f} s')"
kill $WEB $WORKER $ENGINE $STANDIN 2>/dev/null; wait 2>/dev/null
dropdb -h 127.0.0.1 -U postgres "$DB"
rm -rf "$WALK"
