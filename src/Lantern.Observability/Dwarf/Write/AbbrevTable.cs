using System.Text;
using Lantern.Observability.Binary;

namespace Lantern.Observability.Dwarf.Write;

/// <summary>An attribute specification of an abbreviation: attribute, form (and the value of DW_FORM_implicit_const).</summary>
internal readonly record struct AttrSpec(ushort At, byte Form, long ImplicitConst = 0);

/// <summary>.debug_abbrev: one abbreviation per distinct (tag, children, attribute specifications).</summary>
internal sealed class AbbrevTable
{
    private readonly ByteBuilder _bytes = new();
    private readonly Dictionary<string, uint> _codes = new(StringComparer.Ordinal);

    /// <summary>The abbreviation code for the shape, adding it if new.</summary>
    public uint GetCode(ushort tag, bool hasChildren, IReadOnlyList<AttrSpec> specs)
    {
        var key = new StringBuilder();
        key.Append(tag).Append(hasChildren ? '+' : '-');
        foreach (AttrSpec spec in specs)
        {
            key.Append(spec.At).Append(':').Append(spec.Form).Append(':').Append(spec.ImplicitConst).Append(',');
        }

        string text = key.ToString();
        if (_codes.TryGetValue(text, out uint code))
        {
            return code;
        }

        code = (uint)_codes.Count + 1;
        _codes[text] = code;
        _bytes.WriteULeb128(code);                                    /* abbreviation code */
        _bytes.WriteULeb128(tag);                                     /* tag */
        _bytes.WriteByte(hasChildren ? DwChildren.Yes : DwChildren.No); /* children */
        foreach (AttrSpec spec in specs)
        {
            _bytes.WriteULeb128(spec.At);                             /* attribute name */
            _bytes.WriteULeb128(spec.Form);                           /* attribute form */
            if (spec.Form == DwForm.ImplicitConst)
            {
                _bytes.WriteSLeb128(spec.ImplicitConst);              /* implicit constant value */
            }
        }

        _bytes.WriteULeb128(0);                                       /* end of attributes: name */
        _bytes.WriteULeb128(0);                                       /*                    form */
        return code;
    }

    /// <summary>The finished table: all abbreviations plus the terminating 0 code.</summary>
    public byte[] Finish()
    {
        _bytes.WriteULeb128(0);                                       /* end of abbreviations */
        return _bytes.ToArray();
    }
}
