const escape = (text) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function page(title, keys) {
  const items = keys.map((key) => `<li><a href="${encodeURIComponent(key)}">${escape(key)}</a></li>`).join("");
  return `<!doctype html><title>${escape(title)}</title><h1>${escape(title)}</h1><ul>${items}</ul>\n`;
}
