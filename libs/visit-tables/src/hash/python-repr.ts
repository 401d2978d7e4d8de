/**
 * Python's `repr()` of a `str`, which numpy uses for field names in `str(dtype)`. Needed so
 * that column names with quotes, backslashes, control or invisible characters hash the same
 * in TypeScript as in Python.
 */

// Characters Python's str.isprintable() rejects: the Unicode categories Cc, Cf, Cs, Co, Cn,
// Zl, Zp and Zs, except the ASCII space. (Unassigned code points follow the JavaScript
// engine's Unicode version, which can be newer than Python's: avoid such names.)
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

export function pythonStrRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of text) {
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch !== ' ' && NON_PRINTABLE.test(ch)) {
      const cp = ch.codePointAt(0)!;
      if (cp < 0x100) out += '\\x' + cp.toString(16).padStart(2, '0');
      else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
      else out += '\\U' + cp.toString(16).padStart(8, '0');
    } else out += ch;
  }
  return out + quote;
}
