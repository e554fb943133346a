import { describe, expect, it } from 'vitest';
import { parseCsv, parseCsvObjects } from '../../../scripts/lib/csv.ts';

const cells = (text: string) => parseCsv(text).map((r) => r.cells);

describe('parseCsv (RFC 4180)', () => {
  it('splits plain fields and skips blank lines', () => {
    expect(cells('a,b,c\n\n1,2,3\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
    expect(cells('a,,c')).toEqual([['a', '', 'c']]);
  });

  it('reads quoted fields: embedded commas, CRLF and LF line breaks, escaped quotes, a byte-order mark', () => {
    expect(cells('\ufeffid,title\r\n"sku-1","Rouge, matte"\r\n"sku-2","two\r\nlines"\n"sku-3","the ""best"" one"\n')).toEqual([
      ['id', 'title'],
      ['sku-1', 'Rouge, matte'],
      ['sku-2', 'two\r\nlines'],
      ['sku-3', 'the "best" one'],
    ]);
    expect(cells('""')).toEqual([['']]);
  });

  it('numbers records by the line they start on', () => {
    expect(parseCsv('h\n"a\nb"\nc').map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it('refuses misplaced quotes instead of reading a different row, naming the line', () => {
    expect(() => parseCsv('a,b\nx,y"z\n', 'f.csv')).toThrow('f.csv:2: a quote inside an unquoted field');
    expect(() => parseCsv('a,b\n"x"y,z\n', 'f.csv')).toThrow('f.csv:2: unexpected "y" after a closing quote');
    expect(() => parseCsv('a,b\n"x,z\n', 'f.csv')).toThrow('f.csv:2: a quoted field that starts here never ends');
  });

  it('parseCsvObjects keys records by the header', () => {
    expect(parseCsvObjects('user, item\n"u1","a,b"\n')).toEqual([{ row: { user: 'u1', item: 'a,b' }, line: 2 }]);
  });
});
