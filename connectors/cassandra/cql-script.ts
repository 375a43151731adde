/**
 * Splits a CQL script into statements, as cqlsh reads a file: at each `;` outside a string
 * ('…' with '' inside, $$…$$), a quoted name ("…" with "" inside) and a comment (-- or // to
 * the end of the line, and block comments from slash-star to star-slash). Each statement keeps
 * the line it starts on, for errors.
 * Comments are dropped; a statement without its `;` at the end of the script still counts.
 */

export interface CqlStatement {
  text: string;
  /** 1-based line of the statement's first character. */
  line: number;
}

export function splitCql(script: string): CqlStatement[] {
  const statements: CqlStatement[] = [];
  let current = '';
  let startLine = 0;
  let line = 1;
  const flush = () => {
    const text = current.trim();
    if (text !== '') statements.push({ text, line: startLine });
    current = '';
    startLine = 0;
  };
  const take = (text: string) => {
    if (startLine === 0 && text.trim() !== '') startLine = line;
    current += text;
    for (const ch of text) if (ch === '\n') line++;
  };
  let i = 0;
  while (i < script.length) {
    const ch = script[i]!;
    const two = script.slice(i, i + 2);
    if (two === '--' || two === '//') {
      const end = script.indexOf('\n', i);
      i = end < 0 ? script.length : end;
      continue;
    }
    if (two === '/*') {
      const end = script.indexOf('*/', i + 2);
      const stop = end < 0 ? script.length : end + 2;
      for (const c of script.slice(i, stop)) if (c === '\n') line++;
      // A comment separates what stands on either side of it.
      current += ' ';
      i = stop;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      for (;;) {
        const close = script.indexOf(ch, j);
        if (close < 0) {
          j = script.length;
          break;
        }
        // A doubled quote is the quote itself.
        if (script[close + 1] === ch) {
          j = close + 2;
          continue;
        }
        j = close + 1;
        break;
      }
      take(script.slice(i, j));
      i = j;
      continue;
    }
    if (two === '$$') {
      const end = script.indexOf('$$', i + 2);
      const stop = end < 0 ? script.length : end + 2;
      take(script.slice(i, stop));
      i = stop;
      continue;
    }
    if (ch === ';') {
      flush();
      i++;
      continue;
    }
    take(ch);
    i++;
  }
  flush();
  return statements;
}
