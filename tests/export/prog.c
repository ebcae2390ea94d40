/* prog.c - the training program of a model compiled without --main (prefix
 * TP, header train.h), for tests/export/export.sh. */
#include "train.h"

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)

int main(int argc, char **argv)
{
	cn_model_desc d;
	CAT(TP, _describe)(&d);
	return cn_main(argc, argv, &d);
}
