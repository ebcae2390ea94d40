/*
 * svgcheck.c - checks a --plot SVG: well-formed XML, and the panels and
 * series a training run of N epochs and K constraints must draw.
 *
 *   svgcheck FILE.svg EPOCHS PANELS CONSTRAINTS
 *     PANELS: the ids of the panel groups in order, comma-separated
 *             (e.g. loss,violation,function)
 *
 * Well-formed here means: one root element, <svg> in the SVG namespace;
 * every start tag closed by the matching end tag in order; names of letters,
 * digits and -_:.; attributes quoted, each at most once per element; only
 * the five predefined entities and numeric references in text and attribute
 * values; no '<' inside attribute values.  A polyline's points must be
 * pairs of finite numbers inside the viewBox.  Each "series" polyline of the
 * loss and violation panels has EPOCHS points, the prediction 201.  No
 * legend box (rect class "legend-box") overlaps a panel's frame (rect class
 * "frame"): a legend never covers what a panel draws.  A fit panel (id
 * "fit-...") draws its diagonal and at least one data dot.
 * Exit 0 when all holds, else 1 with a message naming the byte offset.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *file;
static char *text;

static void fail(const char *at, const char *fmt, const char *arg)
{
	fprintf(stderr, "svgcheck: %s: byte %ld: ", file, at ? (long)(at - text) : -1L);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static int name_char(int c)
{
	return isalnum(c) || c == '-' || c == '_' || c == ':' || c == '.';
}

/* An entity reference at s (after '&'); returns the byte after ';'. */
static const char *entity(const char *s)
{
	static const char *const known[] = {"lt;", "gt;", "amp;", "quot;", "apos;"};
	size_t i;

	if (*s == '#') {
		const char *p = s + 1;

		if (*p == 'x')
			p++;
		if (!isxdigit((unsigned char)*p))
			fail(s, "%s", "bad character reference");
		while (isxdigit((unsigned char)*p))
			p++;
		if (*p != ';')
			fail(s, "%s", "character reference without ';'");
		return p + 1;
	}
	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (!strncmp(s, known[i], strlen(known[i])))
			return s + strlen(known[i]);
	fail(s, "%s", "unknown entity");
	return NULL;
}

typedef struct Attr {
	char name[64];
	char *value; /* malloc'd, entities left as written */
} Attr;

typedef struct Elem {
	char name[64];
	Attr attrs[32];
	int nattrs;
} Elem;

static const char *attr(const Elem *e, const char *name)
{
	int i;

	for (i = 0; i < e->nattrs; i++)
		if (!strcmp(e->attrs[i].name, name))
			return e->attrs[i].value;
	return NULL;
}

/* results gathered while parsing */
static double vb[4];
static int have_vb;
static char panels[512];
static char cur_panel[64];
static int epochs, constraints, nseries_loss, nseries_viol, nprediction;
static double frames[64][4], legends[256][4];
static int nframes, nlegends, fit_diagonals, fit_dots;

static void rect_of(const char *at, const Elem *e, double *r)
{
	const char *k[4] = {"x", "y", "width", "height"};
	int i;

	for (i = 0; i < 4; i++) {
		const char *v = attr(e, k[i]);

		if (!v)
			fail(at, "rect without %s", k[i]);
		r[i] = atof(v);
	}
}

static int overlap(const double *a, const double *b)
{
	return a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3];
}

static void points(const char *at, const char *pts, int want)
{
	const char *s = pts;
	int n = 0;

	while (*s) {
		char *end;
		double x = strtod(s, &end), y;

		if (end == s || *end != ',')
			fail(at, "%s", "polyline points are not x,y pairs");
		s = end + 1;
		y = strtod(s, &end);
		if (end == s)
			fail(at, "%s", "polyline point without y");
		s = end;
		while (*s == ' ')
			s++;
		if (!isfinite(x) || !isfinite(y) ||
		    (have_vb && (x < vb[0] || x > vb[0] + vb[2] || y < vb[1] || y > vb[1] + vb[3])))
			fail(at, "%s", "polyline point outside the viewBox");
		n++;
	}
	if (want >= 0 && n != want) {
		char buf[64];

		snprintf(buf, sizeof buf, "%d points, expected %d", n, want);
		fail(at, "%s", buf);
	}
}

static void element(const char *at, const Elem *e, int depth)
{
	const char *cls = attr(e, "class"), *id = attr(e, "id");

	if (depth == 0) {
		const char *v = attr(e, "viewBox");

		if (strcmp(e->name, "svg") || !attr(e, "xmlns") ||
		    strcmp(attr(e, "xmlns"), "http://www.w3.org/2000/svg"))
			fail(at, "%s", "the root is not <svg> in the SVG namespace");
		if (!v || sscanf(v, "%lf %lf %lf %lf", &vb[0], &vb[1], &vb[2], &vb[3]) != 4)
			fail(at, "%s", "<svg> without a viewBox");
		have_vb = 1;
	}
	if (!strcmp(e->name, "g") && cls && !strcmp(cls, "panel") && id) {
		if (strlen(panels) + strlen(id) + 2 > sizeof panels)
			fail(at, "%s", "too many panels");
		if (*panels)
			strcat(panels, ",");
		strcat(panels, id);
		snprintf(cur_panel, sizeof cur_panel, "%s", id);
	}
	if (!strcmp(e->name, "rect") && cls && !strcmp(cls, "frame")) {
		if (nframes == 64)
			fail(at, "%s", "too many frames");
		rect_of(at, e, frames[nframes++]);
	}
	if (!strcmp(e->name, "rect") && cls && !strcmp(cls, "legend-box")) {
		if (nlegends == 256)
			fail(at, "%s", "too many legend entries");
		rect_of(at, e, legends[nlegends++]);
	}
	if (!strncmp(cur_panel, "fit-", 4) && !strcmp(e->name, "circle"))
		fit_dots++;
	if (!strcmp(e->name, "polyline") && cls && !strcmp(cls, "diagonal"))
		fit_diagonals++;
	if (!strcmp(e->name, "polyline")) {
		const char *pts = attr(e, "points");

		if (!pts)
			fail(at, "%s", "polyline without points");
		if (cls && !strncmp(cls, "series", 6) && !strcmp(cur_panel, "loss")) {
			points(at, pts, epochs);
			nseries_loss++;
		} else if (cls && !strncmp(cls, "series", 6) && !strcmp(cur_panel, "violation")) {
			points(at, pts, epochs);
			nseries_viol++;
		} else if (cls && !strcmp(cls, "series prediction")) {
			points(at, pts, 201);
			nprediction++;
		} else {
			points(at, pts, -1);
		}
	}
}

/* Parses the attribute list at *sp into e; returns 1 for "/>", 0 for ">". */
static int attributes(const char **sp, Elem *e)
{
	const char *s = *sp;

	for (;;) {
		Attr *a;
		size_t n;
		char q;
		const char *v;
		int i;

		while (isspace((unsigned char)*s))
			s++;
		if (*s == '/' && s[1] == '>') {
			*sp = s + 2;
			return 1;
		}
		if (*s == '>') {
			*sp = s + 1;
			return 0;
		}
		if (!name_char((unsigned char)*s))
			fail(s, "%s", "bad attribute name");
		if (e->nattrs == 32)
			fail(s, "%s", "too many attributes");
		a = &e->attrs[e->nattrs];
		for (n = 0; name_char((unsigned char)*s); s++, n++)
			if (n < sizeof a->name - 1)
				a->name[n] = *s;
		a->name[n < sizeof a->name ? n : sizeof a->name - 1] = '\0';
		for (i = 0; i < e->nattrs; i++)
			if (!strcmp(e->attrs[i].name, a->name))
				fail(s, "attribute '%s' given twice", a->name);
		if (*s != '=' || (s[1] != '"' && s[1] != '\''))
			fail(s, "attribute '%s' is not quoted", a->name);
		q = s[1];
		s += 2;
		v = s;
		while (*s && *s != q) {
			if (*s == '<')
				fail(s, "%s", "'<' in an attribute value");
			s = *s == '&' ? entity(s + 1) : s + 1;
		}
		if (!*s)
			fail(v, "%s", "unterminated attribute value");
		a->value = malloc((size_t)(s - v) + 1);
		memcpy(a->value, v, (size_t)(s - v));
		a->value[s - v] = '\0';
		e->nattrs++;
		s++;
	}
}

static void parse(void)
{
	static char stack[256][64];
	const char *s = text;
	int depth = 0, roots = 0, i;

	if (!strncmp(s, "<?xml", 5)) {
		s = strstr(s, "?>");
		if (!s)
			fail(text, "%s", "unterminated XML declaration");
		s += 2;
	}
	while (*s) {
		if (*s == '&') {
			s = entity(s + 1);
		} else if (*s != '<') {
			if (depth == 0 && !isspace((unsigned char)*s))
				fail(s, "%s", "text outside the root element");
			s++;
		} else if (!strncmp(s, "<!--", 4)) {
			s = strstr(s, "-->");
			if (!s)
				fail(text, "%s", "unterminated comment");
			s += 3;
		} else if (s[1] == '/') {
			const char *n = s + 2;
			size_t len = 0;

			while (name_char((unsigned char)n[len]))
				len++;
			if (depth == 0 || strlen(stack[depth - 1]) != len ||
			    strncmp(stack[depth - 1], n, len))
				fail(s, "end tag does not match <%s>",
				     depth ? stack[depth - 1] : "(none)");
			if (n[len] != '>')
				fail(s, "%s", "bad end tag");
			depth--;
			if (depth == 0)
				roots++;
			if (depth == 1)
				cur_panel[0] = '\0';
			s = n + len + 1;
		} else {
			Elem e;
			const char *at = s;
			size_t n = 0;
			int empty;

			memset(&e, 0, sizeof e);
			s++;
			if (!isalpha((unsigned char)*s))
				fail(s, "%s", "bad element name");
			for (; name_char((unsigned char)*s); s++, n++)
				if (n < sizeof e.name - 1)
					e.name[n] = *s;
			if (depth == 0 && roots > 0)
				fail(at, "%s", "a second root element");
			empty = attributes(&s, &e);
			element(at, &e, depth);
			for (i = 0; i < e.nattrs; i++)
				free(e.attrs[i].value);
			if (empty) {
				if (depth == 0)
					roots++;
				continue;
			}
			if (depth == 256)
				fail(at, "%s", "nesting too deep");
			snprintf(stack[depth++], sizeof stack[0], "%s", e.name);
		}
	}
	if (depth != 0)
		fail(s, "<%s> is never closed", stack[depth - 1]);
	if (roots != 1)
		fail(s, "%s", "no root element");
}

int main(int argc, char **argv)
{
	FILE *f;
	long n;

	if (argc != 5) {
		fprintf(stderr, "usage: svgcheck FILE.svg EPOCHS PANELS CONSTRAINTS\n");
		return 2;
	}
	file = argv[1];
	epochs = atoi(argv[2]);
	constraints = atoi(argv[4]);
	f = fopen(file, "rb");
	if (!f) {
		perror(file);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc((size_t)n + 1, 1);
	if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) {
		perror(file);
		return 1;
	}
	fclose(f);
	if (strlen(text) != (size_t)n)
		fail(text + strlen(text), "%s", "NUL byte in the file");
	parse();
	if (strcmp(panels, argv[3]))
		fail(NULL, "panels are '%s'", panels);
	if (strstr(panels, "loss") && nseries_loss != 2)
		fail(NULL, "%s", "the loss panel does not draw loss and data loss");
	if (strstr(panels, "violation") && nseries_viol != constraints)
		fail(NULL, "%s", "the violation panel does not draw one series per constraint");
	if (strstr(panels, "function") && nprediction != 1)
		fail(NULL, "%s", "the function panel does not draw the prediction");
	for (int i = 0; i < nlegends; i++)
		for (int j = 0; j < nframes; j++)
			if (overlap(legends[i], frames[j]))
				fail(NULL, "%s", "a legend entry overlaps a panel");
	if (strstr(panels, "fit-")) {
		int nfit = 0;

		for (const char *q = panels; (q = strstr(q, "fit-")); q += 4)
			nfit++;
		if (fit_diagonals != nfit || fit_dots < nfit)
			fail(NULL, "%s", "a fit panel lacks its diagonal or its data");
	}
	printf("svgcheck: %s: ok (%s)\n", file, panels);
	free(text);
	return 0;
}
