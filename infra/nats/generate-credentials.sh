#!/usr/bin/env bash
# Generates a stack's NATS operator-mode credentials and the farm's TLS material, as the two JSON
# values infra reads from secret config:
#   rfarm:natsAuth  operator JWT, system account, account JWTs, control-plane and per-agent .creds
#   rfarm:farmTls   farm CA and a *.<domain> server certificate (NATS, metrics, logs)
# Needs nsc (https://github.com/nats-io/nsc), openssl and jq. Usage:
#   infra/nats/generate-credentials.sh <stack> <domain> <platform-id>...
# then: pulumi config set --secret rfarm:natsAuth "$(cat out/<stack>/nats-auth.json)" (and farmTls)
set -euo pipefail

stack="${1:?usage: generate-credentials.sh <stack> <domain> <platform-id>...}"
domain="${2:?usage: generate-credentials.sh <stack> <domain> <platform-id>...}"
shift 2
out="out/${stack}"
mkdir -p "$out"
export NKEYS_PATH="$out/nkeys" NSC_HOME="$out/nsc"
store="$out/store"

nsc env --store "$store" >/dev/null
nsc add operator --generate-signing-key --sys --name "rfarm-${stack}"
nsc edit operator --require-signing-keys
nsc add account --name FARM
nsc edit account --name FARM --js-mem-storage -1 --js-disk-storage -1 --js-streams -1 --js-consumer -1

nsc add user --account FARM --name control-plane
for platform in "$@"; do
  # Subjects of protocol/: an agent takes builds of its own platform, publishes output, hears
  # cancellations and uses JetStream (KV, object store) through the API and its inbox.
  nsc add user --account FARM --name "agent-${platform}" \
    --allow-pub "rfarm.output.>,\$JS.API.>,\$JS.ACK.RFARM_BUILDS.>,\$KV.>,\$O.>,_INBOX.>" \
    --allow-sub "rfarm.builds.${platform},rfarm.cancel.*,_INBOX.>"
done

creds() { nsc generate creds --account FARM --name "$1"; }
agent_json="{}"
for platform in "$@"; do
  agent_json="$(jq --arg id "$platform" --arg creds "$(creds "agent-${platform}")" '. + {($id): $creds}' <<<"$agent_json")"
done
operator_jwt="$(nsc describe operator --raw)"
system_account="$(nsc describe account SYS --field sub | tr -d '"')"
farm_account="$(nsc describe account FARM --field sub | tr -d '"')"
jq -n --arg operatorJwt "$operator_jwt" --arg systemAccount "$system_account" \
  --arg sysKey "$system_account" --arg sysJwt "$(nsc describe account SYS --raw)" \
  --arg farmKey "$farm_account" --arg farmJwt "$(nsc describe account FARM --raw)" \
  --arg controlPlaneCreds "$(creds control-plane)" --argjson agentCreds "$agent_json" \
  '{operatorJwt: $operatorJwt, systemAccount: $systemAccount, accountJwts: {($sysKey): $sysJwt, ($farmKey): $farmJwt}, controlPlaneCreds: $controlPlaneCreds, agentCreds: $agentCreds}' \
  > "$out/nats-auth.json"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
  -subj "/CN=rfarm ${stack} CA" -keyout "$out/ca-key.pem" -out "$out/ca.pem"
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=*.${domain}" \
  -keyout "$out/server-key.pem" -out "$out/server.csr"
printf 'subjectAltName=DNS:*.%s,DNS:%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$domain" "$domain" > "$out/server.ext"
openssl x509 -req -in "$out/server.csr" -CA "$out/ca.pem" -CAkey "$out/ca-key.pem" -CAcreateserial \
  -days 825 -extfile "$out/server.ext" -out "$out/server.pem"
jq -n --rawfile ca "$out/ca.pem" --rawfile cert "$out/server.pem" --rawfile key "$out/server-key.pem" \
  '{ca: $ca, cert: $cert, key: $key}' > "$out/farm-tls.json"
chmod 0600 "$out"/*.json "$out"/*-key.pem
echo "wrote $out/nats-auth.json and $out/farm-tls.json; keep $out out of git and set both with --secret"
