#!/bin/sh
# make_models.sh - writes the scaling cases of issue 17 (section 3) into DIR:
#   wide.cnet     one 4096->4096 dense layer, the output
#   cons.cnet     N soft constraints, one per output component and method
#   outw.cnet     an output of width W
#   consts.cnet   a braced constant matrix of about B bytes (rows of 64)
# usage: make_models.sh DIR [N_CONSTRAINTS W CONST_BYTES WIDE]
#   defaults: 200 2048 5000000 4096
set -eu
dir=$1
ncons=${2:-200}
width=${3:-2048}
bytes=${4:-5000000}
wide=${5:-4096}
mkdir -p "$dir"

cat > "$dir/wide.cnet" <<M
model wide {
    input  x[$wide];
    target t[$wide];
    layer fc = dense($wide, $wide);
    y = fc(x);
    output y;
    loss mse(y, t);
}
train { optimizer adam(lr = 0.001); }
M

awk -v n="$ncons" 'BEGIN {
	print "model cons {"
	print "    input  x[4];"
	print "    target t[8];"
	print "    layer fc1 = dense(4, 16);"
	print "    layer fc2 = dense(16, 8);"
	print "    y = fc2(tanh(fc1(x)));"
	print "    output y;"
	print "    loss mse(y, t);"
	for (i = 0; i < n; i++) {
		k = i % 8
		m = i % 4
		if (m == 0) meth = "penalty(linear, weight = 0.5)"
		else if (m == 1) meth = "penalty(quadratic, weight = 2)"
		else if (m == 2) meth = "lagrangian(lr = 0.01)"
		else meth = "augmented(rho = 1)"
		printf "    constraint c%d: y[%d] <= %d + x[%d] : %s;\n", i, k, 1 + i, i % 4, meth
	}
	print "}"
	print "train { optimizer adam(lr = 0.001); }"
}' > "$dir/cons.cnet"

cat > "$dir/outw.cnet" <<M
model outw {
    input  x[4];
    target t[$width];
    layer fc1 = dense(4, 32);
    layer fc2 = dense(32, $width);
    y = fc2(tanh(fc1(x)));
    output y;
    loss mse(y, t);
    constraint lo: y >= -10 : penalty(quadratic);
}
train { optimizer adam(lr = 0.001); }
M

# a row of 64 numbers like "0.123456, " is about 640 bytes
awk -v bytes="$bytes" 'BEGIN {
	k = 64
	r = int(bytes / (k * 10)); if (r < 1) r = 1
	printf "model consts {\n    input  x[%d];\n    target t[%d];\n", k, r
	printf "    const C[%d][%d] = {\n", r, k
	s = 12345
	for (i = 0; i < r; i++) {
		printf "        {"
		for (j = 0; j < k; j++) {
			s = (s * 1103515245 + 12345) % 2147483648
			printf "%s%.6f", (j ? ", " : ""), s / 2147483648
		}
		printf "}%s\n", (i < r - 1 ? "," : "")
	}
	print "    };"
	printf "    layer fc = dense(%d, %d);\n", k, k
	print "    y = C * tanh(fc(x));"
	print "    output y;"
	print "    loss mse(y, t);"
	print "}"
	print "train { optimizer adam(lr = 0.001); }"
}' > "$dir/consts.cnet"
