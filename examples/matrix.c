/* matrix: multiplies matrices, inverts one by Gauss-Jordan elimination and checks A * inv(A) = I.
 *
 *     ./lantern run examples/matrix.c [N]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    int n;
    double *a;      /* n*n, row major */
} Matrix;

static Matrix make(int n)
{
    Matrix m;
    m.n = n;
    m.a = calloc((size_t)n * n, sizeof(double));
    return m;
}

#define AT(m, i, j) ((m).a[(i) * (m).n + (j)])

static Matrix multiply(Matrix x, Matrix y)
{
    Matrix r = make(x.n);
    for (int i = 0; i < x.n; i++)
        for (int k = 0; k < x.n; k++) {
            double xik = AT(x, i, k);
            for (int j = 0; j < x.n; j++)
                AT(r, i, j) += xik * AT(y, k, j);
        }
    return r;
}

/* Returns 0 when the matrix is singular. */
static int invert(Matrix m, Matrix *inverse)
{
    int n = m.n;
    Matrix w = make(n);
    *inverse = make(n);
    for (int i = 0; i < n * n; i++)
        w.a[i] = m.a[i];
    for (int i = 0; i < n; i++)
        AT(*inverse, i, i) = 1.0;

    for (int col = 0; col < n; col++) {
        int pivot = col;
        for (int r = col + 1; r < n; r++)
            if (fabs(AT(w, r, col)) > fabs(AT(w, pivot, col)))
                pivot = r;
        if (fabs(AT(w, pivot, col)) < 1e-12)
            return 0;
        for (int j = 0; j < n; j++) {
            double t = AT(w, col, j); AT(w, col, j) = AT(w, pivot, j); AT(w, pivot, j) = t;
            t = AT(*inverse, col, j); AT(*inverse, col, j) = AT(*inverse, pivot, j); AT(*inverse, pivot, j) = t;
        }
        double d = AT(w, col, col);
        for (int j = 0; j < n; j++) {
            AT(w, col, j) /= d;
            AT(*inverse, col, j) /= d;
        }
        for (int r = 0; r < n; r++) {
            if (r == col)
                continue;
            double f = AT(w, r, col);
            for (int j = 0; j < n; j++) {
                AT(w, r, j) -= f * AT(w, col, j);
                AT(*inverse, r, j) -= f * AT(*inverse, col, j);
            }
        }
    }
    free(w.a);
    return 1;
}

static void print(const char *name, Matrix m)
{
    printf("%s =\n", name);
    for (int i = 0; i < m.n; i++) {
        for (int j = 0; j < m.n; j++)
            printf(" %9.4f", AT(m, i, j));
        printf("\n");
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 4;
    if (n < 1 || n > 200) {
        fprintf(stderr, "matrix: N must be between 1 and 200\n");
        return 2;
    }

    /* A well-conditioned, deterministic matrix: diagonally dominant with a pseudo-random fill. */
    Matrix a = make(n);
    unsigned seed = 12345;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            seed = seed * 1103515245u + 12345u;
            AT(a, i, j) = (double)((seed >> 16) % 100) / 10.0 + (i == j ? 10.0 * n : 0.0);
        }

    Matrix inv;
    if (!invert(a, &inv)) {
        printf("singular\n");
        return 1;
    }
    Matrix id = multiply(a, inv);

    double worst = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double err = fabs(AT(id, i, j) - (i == j ? 1.0 : 0.0));
            if (err > worst)
                worst = err;
        }

    if (n <= 6) {
        print("A", a);
        print("inverse(A)", inv);
    }
    printf("max |A*inverse(A) - I| %s 1e-9\n", worst < 1e-9 ? "<" : ">=");
    return worst < 1e-9 ? 0 : 1;
}
