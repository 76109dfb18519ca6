#!/usr/bin/env bash
# Mistral 3 (Ministral 3 text): the Llama block with YaRN and Llama 4 style attention
# temperature scaling of the queries.
source "$(dirname "$0")/lib.sh"
zoo_model mistral3-tiny-Q8_0 Q8_0 --arch mistral3 --vocab "$SPM" --seed 24 --head-dim 128 \
  --ctx 2048
