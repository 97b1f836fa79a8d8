namespace Lantern.Observability.Profiling;

/// <summary>A range of JIT code and where the return address is while executing it (see <see cref="SamplingHandler"/>).</summary>
internal readonly record struct CodeRange(ulong Low, ulong High, long Kind);

/// <summary>
/// Builds the sampling handler's table from the functions' call frame information: for every code range, whether
/// the return address is at [rsp] (CFA = rsp + 8: the first instruction, the <c>ret</c> of an epilogue), at
/// [rsp + 8] (CFA = rsp + 16: after <c>push rbp</c>), or found through rbp (CFA = rbp + 16: the body).
/// </summary>
internal static class CodeRanges
{
    public static List<CodeRange> Build(IEnumerable<CodeInfo> functions)
    {
        var ranges = new List<CodeRange>();
        foreach (CodeInfo f in functions)
        {
            if (f.Size == 0)
            {
                continue;
            }

            // evaluate the CFA rule at each row boundary
            int register = X64Registers.Rsp;
            long offset = 8;
            var saved = new Stack<(int, long)>();
            uint start = 0;
            long kind = KindOf(register, offset);
            int i = 0;
            IReadOnlyList<CfiRow> rows = f.Cfi;
            while (i < rows.Count)
            {
                uint at = rows[i].Offset;
                while (i < rows.Count && rows[i].Offset == at)
                {
                    switch (rows[i].Op)
                    {
                        case CfiOp.DefCfa d:
                            register = d.Register;
                            offset = d.Offset;
                            break;
                        case CfiOp.DefCfaRegister r:
                            register = r.Register;
                            break;
                        case CfiOp.DefCfaOffset o:
                            offset = o.Offset;
                            break;
                        case CfiOp.RememberState:
                            saved.Push((register, offset));
                            break;
                        case CfiOp.RestoreState:
                            if (saved.Count > 0)
                            {
                                (register, offset) = saved.Pop();
                            }

                            break;
                    }

                    i++;
                }

                long next = KindOf(register, offset);
                if (next != kind && at < f.Size)
                {
                    Add(ranges, f.Address + start, f.Address + at, kind);
                    start = at;
                    kind = next;
                }
            }

            Add(ranges, f.Address + start, f.Address + f.Size, kind);
        }

        ranges.Sort((a, b) => a.Low.CompareTo(b.Low));
        return ranges;
    }

    private static long KindOf(int register, long offset) => (register, offset) switch
    {
        (X64Registers.Rsp, 8) => SamplingHandler.KindReturnAtRsp,
        (X64Registers.Rsp, 16) => SamplingHandler.KindReturnAtRsp8,
        _ => SamplingHandler.KindFramePointer,
    };

    private static void Add(List<CodeRange> ranges, ulong low, ulong high, long kind)
    {
        if (high > low)
        {
            ranges.Add(new CodeRange(low, high, kind));
        }
    }
}
