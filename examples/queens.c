/* queens: counts the solutions of the N-queens problem by backtracking and prints the first one.
 *
 *     ./lantern run examples/queens.c [N]
 */
#include <stdio.h>
#include <stdlib.h>

static int n;
static int column[32];          /* column[row] = column of the queen in that row */
static int first[32];
static long solutions;

static int safe(int row, int col)
{
    for (int r = 0; r < row; r++) {
        int c = column[r];
        if (c == col || abs(c - col) == row - r)
            return 0;
    }
    return 1;
}

static void place(int row)
{
    if (row == n) {
        if (solutions++ == 0)
            for (int r = 0; r < n; r++)
                first[r] = column[r];
        return;
    }
    for (int col = 0; col < n; col++) {
        if (safe(row, col)) {
            column[row] = col;
            place(row + 1);
        }
    }
}

int main(int argc, char **argv)
{
    n = argc > 1 ? atoi(argv[1]) : 8;
    if (n < 1 || n > 16) {
        fprintf(stderr, "queens: N must be between 1 and 16\n");
        return 2;
    }
    place(0);
    printf("%d-queens: %ld solutions\n", n, solutions);
    if (solutions > 0) {
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++)
                putchar(first[r] == c ? 'Q' : '.');
            putchar('\n');
        }
    }
    return 0;
}
