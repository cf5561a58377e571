/**
 * Webhook payloads in the shape GitHub documents for `push` and `pull_request` (docs.github.com,
 * "Webhook events and payloads"; the fields the farm reads plus the usual company), for an App
 * installation. Signed in the tests with the webhook secret, as GitHub signs them.
 */

function user(login: string, id: number) {
  return { login, id, node_id: `U_${id}`, type: 'User', site_admin: false, html_url: `https://github.com/${login}` };
}

function repository(owner: string, name: string, id: number, fork = false) {
  return {
    id,
    node_id: `R_${id}`,
    name,
    full_name: `${owner}/${name}`,
    private: false,
    owner: user(owner, id + 1),
    html_url: `https://github.com/${owner}/${name}`,
    fork,
    url: `https://api.github.com/repos/${owner}/${name}`,
    default_branch: 'main',
  };
}

/** A push of one commit to `branch`. */
export function pushPayload(owner: string, repo: string, installationId: number, sha: string, branch = 'main') {
  const commit = {
    id: sha,
    tree_id: sha.split('').reverse().join(''),
    distinct: true,
    message: 'Update the package',
    timestamp: new Date().toISOString(),
    url: `https://github.com/${owner}/${repo}/commit/${sha}`,
    author: { name: 'Test Author', email: 'author@example.org', username: owner },
    committer: { name: 'Test Author', email: 'author@example.org', username: owner },
    added: [],
    removed: [],
    modified: ['R/hello.R'],
  };
  return {
    ref: `refs/heads/${branch}`,
    before: '0'.repeat(39) + '1',
    after: sha,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `https://github.com/${owner}/${repo}/compare/0000001...${sha.slice(0, 12)}`,
    commits: [commit],
    head_commit: commit,
    repository: repository(owner, repo, 1001),
    pusher: { name: owner, email: 'author@example.org' },
    sender: user(owner, 1002),
    installation: { id: installationId, node_id: `I_${installationId}` },
  };
}

/** A pull request `opened` into `owner/repo` whose head is `headOwner/repo` at `sha` (a fork when the owners differ). */
export function pullRequestPayload(owner: string, repo: string, installationId: number, sha: string, headOwner: string, number = 7) {
  const base = repository(owner, repo, 1001);
  const head = headOwner === owner ? base : repository(headOwner, repo, 2001, true);
  return {
    action: 'opened',
    number,
    pull_request: {
      url: `https://api.github.com/repos/${owner}/${repo}/pulls/${number}`,
      id: 900 + number,
      number,
      state: 'open',
      locked: false,
      title: 'Improve hello()',
      user: user(headOwner, 2002),
      body: 'Please check this.',
      draft: false,
      head: { label: `${headOwner}:feature`, ref: 'feature', sha, user: user(headOwner, 2002), repo: head },
      base: { label: `${owner}:main`, ref: 'main', sha: 'f'.repeat(40), user: user(owner, 1002), repo: base },
      merged: false,
      mergeable: null,
    },
    repository: base,
    sender: user(headOwner, 2002),
    installation: { id: installationId, node_id: `I_${installationId}` },
  };
}
