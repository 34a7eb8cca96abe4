/** A person of the demo organisation. */
export interface DemoPerson {
  readonly username: string;
  readonly displayName: string;
  readonly extension: string;
  readonly voicemail: string;
  /** Telephony comes from the CTI link (with DND and forwarding) rather than SIP dialog state. */
  readonly cti: boolean;
}

const NAMES = [
  "Alice Adams", "Bruno Becker", "Chiara Conti", "Dmitri Dvořák", "Emma Eriksson", "Farid Farouk", "Greta Gallo",
  "Hiroshi Hayashi", "Ines Ibáñez", "Jonas Jansen", "Katarzyna Kowalska", "Liam Lynch", "Maja Müller", "Nils Nyberg",
  "Olivia O'Brien", "Pedro Pereira", "Quentin Quéré", "Rosa Rossi", "Sven Schulz", "Tara Thompson", "Uma Usman",
  "Viktor Varga", "Wen Wang", "Ximena Xalapa", "Yusuf Yilmaz", "Zoë Zimmermann", "Anna Albrecht", "Ben Brooks",
  "Clara Costa", "David Dubois",
];

/** Thirty people, extensions 2001…, voicemail 8001…; every fourth on the CTI link. */
export const DEMO_PEOPLE: readonly DemoPerson[] = NAMES.map((displayName, i) => ({
  username: displayName.split(" ")[0]!.toLowerCase().normalize("NFD").replace(/[^a-z]/g, "") + (i >= 26 ? "2" : ""),
  displayName,
  extension: String(2001 + i),
  voicemail: String(8001 + i),
  cti: i % 4 === 0,
}));
