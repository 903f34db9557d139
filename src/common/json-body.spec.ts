import { AppError } from './app-error';
import { parseJsonBody } from './json-body';

const parse = (text: string, maxDepth = 3) => parseJsonBody(Buffer.from(text), maxDepth);
const messageOf = (text: string, maxDepth = 3) => {
  try {
    parse(text, maxDepth);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).message;
  }
  return undefined;
};

describe('parseJsonBody', () => {
  it('reads an empty or blank body as no body', () => {
    expect(parse('')).toBeUndefined();
    expect(parse(' \r\n\t')).toBeUndefined();
  });

  it('allows exactly maxDepth levels of arrays and objects', () => {
    expect(parse('{"a": [{"b": 1}]}')).toEqual({ a: [{ b: 1 }] });
    expect(messageOf('{"a": [{"b": []}]}')).toBe('request body is nested deeper than 3 levels');
  });

  it('does not count brackets inside strings, escaped quotes and backslashes included', () => {
    expect(parse('{"a": "[[[[{{{{", "b": "\\"[[[[", "c": "\\\\"}')).toEqual({ a: '[[[[{{{{', b: '"[[[[', c: '\\' });
    // After an escaped backslash the quote closes the string: the brackets that follow count.
    expect(messageOf('{"a": "\\\\", "b": [[[1]]]}')).toMatch(/nested deeper/);
  });

  it('refuses lone surrogates and NUL in values and keys, and accepts pairs', () => {
    expect(parse('{"a": "\\ud83d\\ude80"}')).toEqual({ a: '🚀' });
    expect(messageOf('{"a": "\\ud800"}')).toMatch(/lone UTF-16 surrogate/);
    expect(messageOf('{"\\udc00": 1}')).toMatch(/lone UTF-16 surrogate/);
    expect(messageOf('["x\\u0000"]')).toMatch(/NUL character/);
  });

  it('refuses keys that reach a prototype, however they are spelled', () => {
    expect(messageOf('{"__proto__": {"admin": true}}')).toMatch(/forbidden property name "__proto__"/);
    expect(messageOf('{"\\u005f_proto__": {}}')).toMatch(/__proto__/);
    expect(messageOf('{"constructor": {"prototype": {}}}')).toMatch(/constructor/);
    expect(parse('{"constructor": "fine"}')).toEqual({ constructor: 'fine' });
  });

  it('refuses what is not JSON with 400', () => {
    expect(messageOf('{"a": ')).toBe('request body is not valid JSON');
  });
});
