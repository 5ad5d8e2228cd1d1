import { badRequest } from './errors';

/**
 * A small OData $filter subset: comparisons (eq ne gt ge lt le) on property paths,
 * `startswith(path,'x')`, lambda `coll/any(t: t/prop eq 'x')`, `and`/`or`/`not` and
 * parentheses. Literals: 'strings', numbers, true/false/null, unquoted ISO dates and GUIDs.
 * String comparisons ignore case, as directory filters do.
 */
export type Predicate = (item: Record<string, unknown>) => boolean;

type Token =
  | { type: 'string'; value: string }
  | { type: 'datetime'; value: number; text: string }
  | { type: 'number'; value: number }
  | { type: 'word'; value: string }
  | { type: 'punct'; value: '(' | ')' | ',' | ':' };

type Scope = Map<string, unknown>;
type Expr = (item: unknown, scope: Scope) => boolean;
type Literal = string | number | boolean | null | { datetime: number };

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const NUMBER = /^-?\d+(\.\d+)?/;
const WORD = /^[A-Za-z_@$][\w@.$]*(\/[A-Za-z_@$][\w@.$]*)*/;

export function parseFilter(text: string): Predicate {
  const parser = new Parser(tokenize(text), text);
  const expr = parser.parseAll();
  return (item) => expr(item, new Map());
}

function invalid(text: string, detail: string): Error {
  return badRequest(`Invalid filter clause: ${detail} in '${text}'.`);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    const first = rest[0];
    let match: RegExpMatchArray | null;
    if (first === "'") {
      let value = '';
      let i = 1;
      for (; i < rest.length; i++) {
        if (rest[i] === "'") {
          if (rest[i + 1] === "'") { value += "'"; i++; continue; }
          break;
        }
        value += rest[i];
      }
      if (i >= rest.length) throw invalid(text, 'unterminated string');
      tokens.push({ type: 'string', value });
      rest = rest.slice(i + 1);
    } else if ('(),:'.includes(first)) {
      tokens.push({ type: 'punct', value: first as '(' | ')' | ',' | ':' });
      rest = rest.slice(1);
    } else if ((match = rest.match(DATETIME))) {
      tokens.push({ type: 'datetime', value: Date.parse(match[0]), text: match[0] });
      rest = rest.slice(match[0].length);
    } else if ((match = rest.match(GUID))) {
      tokens.push({ type: 'string', value: match[0] });
      rest = rest.slice(match[0].length);
    } else if ((match = rest.match(NUMBER))) {
      tokens.push({ type: 'number', value: Number(match[0]) });
      rest = rest.slice(match[0].length);
    } else if ((match = rest.match(WORD))) {
      tokens.push({ type: 'word', value: match[0] });
      rest = rest.slice(match[0].length);
    } else {
      throw invalid(text, `unexpected '${first}'`);
    }
    rest = rest.trimStart();
  }
  return tokens;
}

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[], private readonly text: string) {}

  parseAll(): Expr {
    const expr = this.parseOr();
    if (this.position < this.tokens.length) throw invalid(this.text, 'unexpected trailing input');
    return expr;
  }

  private peek(): Token | undefined { return this.tokens[this.position]; }
  private next(): Token {
    const token = this.tokens[this.position++];
    if (!token) throw invalid(this.text, 'unexpected end');
    return token;
  }
  private isWord(value: string): boolean {
    const token = this.peek();
    return token?.type === 'word' && token.value.toLowerCase() === value;
  }
  private expectPunct(value: string): void {
    const token = this.next();
    if (token.type !== 'punct' || token.value !== value) throw invalid(this.text, `expected '${value}'`);
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isWord('or')) {
      this.position++;
      const a = left, b = this.parseAnd();
      left = (item, scope) => a(item, scope) || b(item, scope);
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseUnary();
    while (this.isWord('and')) {
      this.position++;
      const a = left, b = this.parseUnary();
      left = (item, scope) => a(item, scope) && b(item, scope);
    }
    return left;
  }

  private parseUnary(): Expr {
    if (this.isWord('not')) {
      this.position++;
      const inner = this.parseUnary();
      return (item, scope) => !inner(item, scope);
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const token = this.next();
    if (token.type === 'punct' && token.value === '(') {
      const inner = this.parseOr();
      this.expectPunct(')');
      return inner;
    }
    if (token.type !== 'word') throw invalid(this.text, 'expected a property');
    const name = token.value;
    if (name.toLowerCase() === 'startswith') return this.parseStartsWith();
    if (name.toLowerCase().endsWith('/any') || name.toLowerCase().endsWith('/all')) return this.parseLambda(name);
    return this.parseComparison(name);
  }

  private parseStartsWith(): Expr {
    this.expectPunct('(');
    const path = this.next();
    if (path.type !== 'word') throw invalid(this.text, 'startswith needs a property');
    this.expectPunct(',');
    const prefix = this.next();
    if (prefix.type !== 'string') throw invalid(this.text, 'startswith needs a string');
    this.expectPunct(')');
    const wanted = prefix.value.toLowerCase();
    return (item, scope) => {
      const value = resolve(item, path.value, scope);
      return typeof value === 'string' && value.toLowerCase().startsWith(wanted);
    };
  }

  private parseLambda(word: string): Expr {
    const slash = word.lastIndexOf('/');
    const collectionPath = word.slice(0, slash);
    const quantifier = word.slice(slash + 1).toLowerCase();
    this.expectPunct('(');
    const variable = this.next();
    if (variable.type !== 'word') throw invalid(this.text, 'lambda needs a variable');
    this.expectPunct(':');
    const body = this.parseOr();
    this.expectPunct(')');
    return (item, scope) => {
      const collection = resolve(item, collectionPath, scope);
      if (!Array.isArray(collection)) return false;
      const test = (element: unknown): boolean => body(item, new Map(scope).set(variable.value, element));
      return quantifier === 'any' ? collection.some(test) : collection.every(test);
    };
  }

  private parseComparison(path: string): Expr {
    const operator = this.next();
    if (operator.type !== 'word' || !COMPARISONS.has(operator.value.toLowerCase())) {
      throw invalid(this.text, `unsupported operator after '${path}'`);
    }
    const literal = this.parseLiteral();
    const op = operator.value.toLowerCase();
    return (item, scope) => compare(resolve(item, path, scope), op, literal);
  }

  private parseLiteral(): Literal {
    const token = this.next();
    switch (token.type) {
      case 'string': return token.value;
      case 'number': return token.value;
      case 'datetime': return { datetime: token.value };
      case 'word': {
        const word = token.value.toLowerCase();
        if (word === 'true') return true;
        if (word === 'false') return false;
        if (word === 'null') return null;
        throw invalid(this.text, `unsupported literal '${token.value}'`);
      }
      default: throw invalid(this.text, 'expected a literal');
    }
  }
}

/** Resolves `a/b/c` on an item; a leading lambda variable resolves on its element. */
function resolve(item: unknown, path: string, scope: Scope): unknown {
  const segments = path.split('/');
  let current: unknown = item;
  if (scope.has(segments[0])) {
    current = scope.get(segments[0]);
    segments.shift();
  }
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function compare(actual: unknown, op: string, literal: Literal): boolean {
  let left: string | number | boolean | null;
  let right: string | number | boolean | null;
  if (literal !== null && typeof literal === 'object') {
    const time = typeof actual === 'string' ? Date.parse(actual) : NaN;
    if (Number.isNaN(time)) return false;
    left = time;
    right = literal.datetime;
  } else if (typeof literal === 'string') {
    if (typeof actual !== 'string') return op === 'ne';
    left = actual.toLowerCase();
    right = literal.toLowerCase();
  } else {
    left = actual === undefined ? null : (actual as string | number | boolean | null);
    right = literal;
  }
  switch (op) {
    case 'eq': return left === right;
    case 'ne': return left !== right;
    default: {
      if (left === null || right === null) return false;
      if (op === 'gt') return left > right;
      if (op === 'ge') return left >= right;
      if (op === 'lt') return left < right;
      return left <= right;
    }
  }
}
