#!/usr/bin/env bash
# The parity suite with a Q8_0 KV cache (ctest parity_kv_q8_0, INFERNO_PARITY_KV_CACHE=q8_0):
# llama.cpp's oracles of every model the suite checks, the committed fixtures and the zoo, made
# again with Q8_0 keys and values (tools/zoo/kvcache_oracle.cc: flash attention on, as llama.cpp
# runs a quantized V only there) into OUT/zoo-oracle-kv/q8_0/<stem>/<prompt-id>.json.
# Why not check a Q8_0 run against the F16-cache oracles: on these random-weight models the
# cache's rounding alone moves llama.cpp's own logits by more than any tolerance that still
# tests something (our Q8_0 runs against the F16 oracles: max |diff| up to 5.6, greedy tokens
# apart), so that would measure the models' sensitivity, not our cache. Against oracles with
# the same cache, the difference left is ours.
# Run by make.sh after every generator, since it reads the models they made. kvcache.sh's
# variants, whose oracles already name their cache types, are left out.
source "$(dirname "$0")/lib.sh"
tmp_bin=$(mktemp -d)
trap 'rm -rf "$tmp_bin"' EXIT
oracle=$tmp_bin/kvcache_oracle
zoo_build_kvcache_oracle "$oracle"

type=q8_0
count=0
for oracles in "$ZOO_FIXTURES/oracle" "$ZOO_OUT/zoo-oracle"; do
  models=$ZOO_FIXTURES/models
  [[ $oracles == "$ZOO_OUT/zoo-oracle" ]] && models=$ZOO_OUT/zoo
  for dir in "$oracles"/*/; do
    stem=$(basename "$dir")
    [[ -f $models/$stem.gguf && -f $dir/en.json ]] || continue  # embeddings, vision, speech
    grep -q '"cache_type_k"' "$dir/en.json" && continue
    zoo_oracles_into "$oracle" "$models/$stem.gguf" "$ZOO_OUT/zoo-oracle-kv/$type/$stem" \
      "$type" "$type"
    count=$((count + 1))
  done
done
echo "zoo: $count models' oracles with a $type KV cache"
