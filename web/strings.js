// The page's words, in French, in one place: labels of what the API names (kinds, counts,
// statuses, reasons, error codes), the page's own sentences, and French number formats.
// Nothing else in the page holds user-facing text, and nothing reads the API's English
// messages: an error is worded from its `code` (see crates/server/src/error.rs).

export const nf0 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
export const nf1 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
export const nf3 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 3 });

const KIND_LABELS = {
  mediation: 'Médiation familiale',
  espace_rencontre: 'Espace de rencontre',
};
const KIND_SHORT = { mediation: 'M', espace_rencontre: 'ER' };
export const isKnownKind = (k) => Object.hasOwn(KIND_LABELS, k);
export const kindLabel = (k) => KIND_LABELS[k] || k;
export const kindShort = (k) => KIND_SHORT[k] || (k || '?').slice(0, 2).toUpperCase();

// What the weights count: the server sends the study's wording (`people`, `single-parent
// families`, an INSEE column name...), in English for the known ones.
const COUNT_LABELS = {
  people: 'personnes',
  persons: 'personnes',
  households: 'ménages',
  'single parent families': 'familles monoparentales',
  'households of 5 or more': 'ménages de 5 personnes ou plus',
  'households in collective housing': 'ménages en logement collectif',
  children: 'enfants',
  'children aged 0 3': 'enfants de 0 à 3 ans',
  'children aged 4 5': 'enfants de 4 à 5 ans',
  'children aged 6 10': 'enfants de 6 à 10 ans',
  'children aged 11 17': 'enfants de 11 à 17 ans',
  'children aged 0 17': 'enfants de 0 à 17 ans',
};
export function countsLabel(counts) {
  const key = String(counts || 'people').toLowerCase().replace(/[-_]+/g, ' ').trim();
  return COUNT_LABELS[key] || counts;
}

export const STATUS_LABELS = {
  within: 'dans le seuil',
  beyond: 'au-delà du seuil',
  unreachable: 'injoignable par la route',
};
export const statusLabel = (s) => STATUS_LABELS[s] || s;

// Why a unit reaches no site (`reason` in the API), with the study's snapping limit.
export function reasonLabel(reason, maxSnapM) {
  if (reason === 'off_network') return `hors réseau routier (à plus de ${nf0.format(maxSnapM)} m d'une route)`;
  if (reason === 'no_road_link') return 'sans liaison routière vers un service (île sans bac, réseau isolé)';
  return reason;
}

// Secrecy. The API gives a suppressed count as `null` with `secret: true`, and does not say
// whether it is small itself (primary) or hidden so that a small one cannot be recomputed
// (secondary, of any size): the page says « secret », never "< 11", for those. Differences
// the page computes are its own: a small one is known to be small.
export const SECRET = 'secret';
export const secretTitle = (min) => `Effectif masqué (secret statistique) : soit compris entre 1 et ${nf0.format(min - 1)}, soit masqué pour qu'un tel effectif ne puisse être recalculé à partir des autres.`;
export const smallDiffText = (min) => `secret (écart < ${nf0.format(min)})`;
export const secrecyNote = (min) => `« secret » : effectif masqué (secret statistique : aucun effectif entre 1 et ${nf0.format(min - 1)} n'est affiché, ni recalculable). Temps de trajet en voiture, sans trafic.`;

export function fmtCount(v, secret) {
  if (v === null || v === undefined) return secret ? SECRET : '—';
  return nf0.format(v);
}
export function fmtShare(v, secret) {
  if (v === null || v === undefined) return secret ? SECRET : '—';
  return `${nf1.format(v * 100)} %`;
}
export const fmtMin = (v) => (v === null || v === undefined ? '—' : `${nf1.format(v)} min`);
export function fmtSigned(v, fmt) {
  if (v === 0) return '0';
  return (v > 0 ? '+' : '−') + fmt(Math.abs(v));
}
export const plural = (n, one, many) => `${nf0.format(n)} ${n > 1 ? many : one}`;

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

// For the search box: lower case, without accents, hyphens and apostrophes as spaces.
export function fold(s) {
  return String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[-'’_]+/g, ' ').replace(/\s+/g, ' ').trim();
}

// Errors: one sentence per API code; `ctx` is what the page was doing.
const ERRORS = {
  bad_request: 'le serveur a refusé la demande',
  bad_query: "l'adresse de la demande est mal formée",
  malformed_json: 'les données envoyées au serveur sont mal formées',
  missing_kind: "aucun type de service n'est indiqué",
  threshold_out_of_range: 'le seuil demandé est hors limites : un seuil de temps de trajet est compris entre 1 et 240 minutes',
  bad_minutes: 'les durées demandées sont invalides (de 1 à 8 nombres entiers de minutes, chacun de 1 à 240)',
  k_out_of_range: "le nombre d'emplacements demandé est hors limites (de 1 à 50)",
  no_candidates: "l'étude n'a aucun emplacement candidat (mairie) sur son réseau routier",
  site_off_network: (t) => `ce point est à plus de ${nf0.format(t.max_snap_m)} m de toute route de l'étude : un site ne peut pas y être placé`,
  invalid_input: 'le serveur a refusé ces données (site inconnu ou modifié deux fois, coordonnées hors limites, nom invalide…)',
  unauthorized: "ce serveur demande un jeton d'accès pour enregistrer ou supprimer : saisissez-le puis recommencez",
  not_found: 'la ressource demandée est introuvable sur le serveur',
  unknown_kind: "ce type de service n'existe pas dans l'étude",
  unknown_site: "ce site n'existe pas dans l'étude",
  unknown_export: "ce fichier d'export n'existe pas",
  scenario_not_found: "ce scénario enregistré n'existe plus",
  method_not_allowed: "le serveur n'accepte pas cette opération ici",
  payload_too_large: 'les données envoyées dépassent la taille admise par le serveur',
  unsupported_media_type: "les données envoyées au serveur ne sont pas au format JSON",
  misdirected_request: "ce serveur ne répond qu'aux adresses locales (localhost)",
  no_scenario_store: "ce serveur n'a pas de base de scénarios (option --db)",
  timeout: 'le serveur a mis trop de temps à répondre',
  internal: 'erreur interne du serveur',
  network: 'le serveur ne répond pas (est-il arrêté ?)',
};
const CONTEXTS = {
  load: 'Chargement impossible',
  coverage: 'Couverture non calculée',
  whatif: "Le scénario n'a pas pu être calculé",
  recommend: 'Pas de proposition',
  save: "Échec de l'enregistrement",
  list: 'Liste des scénarios indisponible',
  open: "Ouverture du scénario impossible",
  delete: 'Suppression impossible',
  export: "L'export du scénario a échoué",
};
// `err`: an ApiError of api.js (status, code) or any Error; `territory` for the limits.
export function errorText(ctx, err, territory) {
  const w = err && err.code ? ERRORS[err.code] : null;
  let why;
  if (typeof w === 'function') why = w(territory || { max_snap_m: 1000 });
  else if (w) why = w;
  else if (err && err.status) why = `le serveur a refusé la demande (code ${err.code || err.status})`;
  else why = (err && err.french) || ERRORS.network;
  return `${CONTEXTS[ctx] || 'Erreur'} : ${why}.`;
}

export const T = {
  noName: 'Étude sans nom',
  noSites: "cette étude n'a aucun site",
  studyThreshold: (st) => `Seuil de l'étude pour ce service : ${nf1.format(st)} min.`,
  otherThreshold: (st, t) => `Seuil de l'étude : ${nf1.format(st)} min ; vous regardez ${nf1.format(t)} min.`,
  syntheticSite: 'site synthétique (inventé)',
  candidate: (n) => `Site candidat ${n}`,
  candidateTag: '(candidat)',
  noCommune: 'hors commune',
  noChange: 'Aucun changement.',
  computing: 'Calcul en cours…',
  diffTime: (ms) => `calculé et affiché en ${nf0.format(ms)} ms`,
  searchNone: 'Aucune commune ne correspond.',
  searchCount: (n) => plural(n, 'commune trouvée', 'communes trouvées'),
  legend: 'Légende',
  legendShow: 'Afficher la légende',
  legendHide: 'Replier la légende',
  placedAt: (name, where) => `${name} placé ${where}.`,
  atCentre: 'au centre de la carte',
  atCommune: (n) => `au centre de ${n}`,
  // Attribution of the roads drawn on the map, by what the territory says of the study.
  roadsOsm: 'Routes © contributeurs OpenStreetMap (ODbL)',
  roadsSynthetic: 'Routes : étude synthétique, réseau généré (démo) ou extrait OpenStreetMap (ODbL), voir « À propos »',
};

// Road sources as the About box words them: the network file of the provenance.
export const networkFileText = (file) => `Fichier du réseau routier : ${file}.`;
