/**
 * A small well-formedness checker for the XML brook's reports are made of (elements, attributes, text,
 * entities, comments, an optional declaration): throws on the first error, else returns the tree with
 * entities decoded.
 */
export interface XmlElement {
  readonly name: string
  readonly attrs: Record<string, string>
  readonly children: XmlElement[]
  text: string
}

const NAME = /^[A-Za-z_:][\w:.-]*/
const ENTITY = /^&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/
const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }
const decode = (entity: string): string => {
  const body = entity.slice(1, -1)
  if (body[0] !== "#") return NAMED[body]
  return String.fromCodePoint(body[1] === "x" ? parseInt(body.slice(2), 16) : Number(body.slice(1)))
}

export function parseXml(source: string): XmlElement {
  let at = 0
  const fail = (why: string): never => {
    throw new SyntaxError(`XML: ${why} at offset ${at}: ${JSON.stringify(source.slice(at, at + 40))}`)
  }
  const text = (upTo: string, inAttr: boolean): string => {
    let out = ""
    while (at < source.length && source[at] !== upTo) {
      const c = source[at]
      if (c === "<") fail(inAttr ? "'<' in an attribute" : "stray '<'")
      if (c === "&") {
        const m = ENTITY.exec(source.slice(at, at + 12)) ?? fail("bad entity")
        out += decode(m[0])
        at += m[0].length
      } else out += source[at++]
    }
    return out
  }
  const skipSpace = () => {
    while (/\s/.test(source[at] ?? "")) at++
  }
  if (source.startsWith("<?xml")) {
    const end = source.indexOf("?>")
    if (end < 0) fail("unclosed declaration")
    at = end + 2
  }
  const stack: XmlElement[] = []
  let root: XmlElement | undefined
  while (at < source.length) {
    if (source.startsWith("<!--", at)) {
      const end = source.indexOf("-->", at)
      if (end < 0) fail("unclosed comment")
      at = end + 3
    } else if (source.startsWith("</", at)) {
      at += 2
      const name = NAME.exec(source.slice(at))?.[0] ?? fail("bad closing tag")
      at += name.length
      skipSpace()
      if (source[at++] !== ">") fail("closing tag not ended by '>'")
      const open = stack.pop()
      if (open?.name !== name) fail(`</${name}> closes <${open?.name}>`)
    } else if (source[at] === "<") {
      at++
      const name = NAME.exec(source.slice(at))?.[0] ?? fail("bad tag name")
      at += name.length
      const el: XmlElement = { name, attrs: {}, children: [], text: "" }
      for (;;) {
        const before = at
        skipSpace()
        if (source.startsWith("/>", at) || source[at] === ">") break
        if (at === before) fail("attributes must be separated by space")
        const attr = NAME.exec(source.slice(at))?.[0] ?? fail("bad attribute name")
        at += attr.length
        if (attr in el.attrs) fail(`duplicate attribute ${attr}`)
        if (source[at++] !== "=") fail("attribute without '='")
        const quote = source[at++]
        if (quote !== '"' && quote !== "'") fail("unquoted attribute value")
        el.attrs[attr] = text(quote, true)
        at++
      }
      if (stack.length) stack[stack.length - 1].children.push(el)
      else if (root) fail("a second root element")
      else root = el
      if (source[at] === "/") at += 2
      else {
        at++
        stack.push(el)
      }
    } else {
      const t = text("<", false)
      if (stack.length) stack[stack.length - 1].text += t
      else if (t.trim()) fail("text outside the root element")
    }
  }
  if (stack.length) fail(`<${stack[stack.length - 1].name}> is never closed`)
  return root ?? fail("no root element")
}

/** Every element of the tree, depth first. */
export function* walk(el: XmlElement): Generator<XmlElement> {
  yield el
  for (const c of el.children) yield* walk(c)
}
