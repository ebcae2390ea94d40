#!/bin/sh
# Constant folding by the op table (compiler/ops.h): the IR of fold.cnet has
# each all-literal elementwise op as one NUM with the value Python's math
# module gives in double, and log(-1), which is not finite, as a LOG op.
#
#   fold.sh CNETC fold.cnet
set -u
cnetc=$1 model=$2
ir=$("$cnetc" check "$model" --dump=ir) || { echo "cnetc check failed"; exit 1; }
status=0
# math.tanh(0.5); 0.5 * math.expm1(-1) * 0.5 (sigmoid(0) elu(-1, 0.5)); 2 ** 0.5;
# math.log1p(math.exp(-3)) (softplus(-3))
for v in 0.46211715726000974 -0.15803013970713942 1.4142135623730951 0.04858735157374206; do
	echo "$ir" | grep -q "= NUM $v\$" || { echo "no NUM $v in the IR"; status=1; }
done
for op in TANH SIGMOID ELU POW SOFTPLUS; do
	echo "$ir" | grep -q "= $op " && { echo "$op of literals not folded"; status=1; }
done
echo "$ir" | grep -q "= LOG %" || { echo "log(-1) folded to a non-finite NUM"; status=1; }
[ $status = 0 ] && echo "every all-literal elementwise op folded"
[ $status = 0 ] || echo "$ir"
exit $status
