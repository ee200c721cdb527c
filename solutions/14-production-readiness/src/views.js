// HTML pages as template literals. Anything user-supplied goes through esc().
function esc(value) {
  return String(value == null ? '' : value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function layout(title, content, user) {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${esc(title)} · Teamnotes</title>
  <link rel="stylesheet" href="/style.css">
</head>
<body>
  <header>
    <a href="/" class="brand">Teamnotes</a>
    ${user ? `<form method="post" action="/logout" class="logout">${esc(user.name)} <button>Log out</button></form>` : ''}
  </header>
  <main>
${content}
  </main>
</body>
</html>`;
}

function loginPage({ error, signupsOpen }) {
  return layout('Log in', `
    ${error ? `<p class="error">${esc(error)}</p>` : ''}
    <section>
      <h1>Log in</h1>
      <form method="post" action="/login">
        <label>Email <input type="email" name="email" required></label>
        <label>Password <input type="password" name="password" required></label>
        <button>Log in</button>
      </form>
    </section>
    ${signupsOpen ? `<section>
      <h2>New here?</h2>
      <form method="post" action="/signup">
        <label>Email <input type="email" name="email" required></label>
        <label>Name <input name="name" required></label>
        <label>Password <input type="password" name="password" required></label>
        <button>Sign up</button>
      </form>
    </section>` : '<p>Signups are closed. Ask an admin for an account.</p>'}`);
}

function notesPage(user, notes, error) {
  const items = notes.map((n) => `
      <li>
        <a href="/notes/${n.id}">${esc(n.title)}</a>
        <small>by ${esc(n.author_name)} on ${esc(new Date(n.created_at).toLocaleString())}</small>
        ${n.attachment_name ? '📎' : ''}
      </li>`).join('');
  return layout('Notes', `
    <h1>Team notes</h1>
    ${error ? `<p class="error">${esc(error)}</p>` : ''}
    <form method="post" action="/notes" enctype="multipart/form-data" class="new-note">
      <input name="title" placeholder="Title" required>
      <textarea name="body" rows="5" placeholder="What's up?"></textarea>
      <input type="file" name="attachment">
      <button>Post note</button>
    </form>
    <ul class="notes">${items || '<li>No notes yet.</li>'}</ul>`, user);
}

function notePage(user, note) {
  return layout(note.title, `
    <p><a href="/notes">&larr; All notes</a></p>
    <h1>${esc(note.title)}</h1>
    <p><small>by ${esc(note.author_name)} on ${esc(new Date(note.created_at).toLocaleString())}</small></p>
    <div class="body">${esc(note.body).replace(/\n/g, '<br>')}</div>
    ${note.attachment_name ? `<p>📎 <a href="/attachments/${note.id}">${esc(note.attachment_name)}</a></p>` : ''}`, user);
}

function errorPage(user, message) {
  return layout('Oops', `<h1>Oops</h1><p class="error">${esc(message)}</p><p><a href="/">Back</a></p>`, user);
}

module.exports = { esc, loginPage, notesPage, notePage, errorPage };
