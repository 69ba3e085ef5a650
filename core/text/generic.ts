// Generic words: words that every kind of technical or business text uses, so that two posts sharing one
// says nothing about whether they are about the same technology ("test", "data", "point", "units",
// "development", "process", "cell"). They still count in text coverage (BM25's idf discounts them); they
// are never given as a reason for a match, and sharing only such words is no evidence of a fit.
//
// Written from general knowledge of scientific, engineering and commercial English and of what every
// biomanufacturing post says (that it is about biologics, GMP, a process, a product), not from any
// evaluation data. Words are listed as people write them; each is compared by its canonical term (the
// stem the analyser gives it), so "tested", "testing" and "tests" all follow "test".

import { foldSpelling } from './spelling.js';
import { stem } from './stem.js';
import { CONCEPT_PREFIX } from './thesaurus.js';

const WORDS = `
test tests tested testing tester trial trials experiment experiments experimental study studies studied
data dataset datasets information result results finding findings evidence value values number figure figures
point points unit units part parts piece item items element set sets kind kinds type types form forms class
level levels amount amounts quantity quantities total rate rates ratio range ranges degree limit limits
size sizes volume volumes weight mass length width area areas space surface
concentration concentrations percent percentage fraction dose doses
high higher highest low lower lowest large larger small smaller big full complete partial main major minor
single double multi multiple many several general common standard standards typical normal simple complex
new novel modern current existing future early late long short fast slow quick rapidly
development developments develop develops developed developing developer developers
product products production produce produces produced producing producer producers productive productivity
process processes processed processing procedure procedures protocol protocols practice practices
method methods methodology methodologies technique techniques technology technologies technical technically
system systems systematic solution solutions approach tool tools toolkit platform platforms equipment
instrument instruments instrumentation device devices machine machines hardware software application
applications app
function functions functional functionality feature features component components capability capabilities
performance performing efficiency efficient effective effectiveness robust robustness reliable reliability
quality qualities consistent consistency accuracy accurate precise precision sensitivity sensitive
cost costs costly price prices pricing budget cheap saving savings economic economics
time timing speed throughput duration frequency frequent
analysis analyses analyse analyze analysed analyzed analysing analyzing analyst analysts analytical analytic
analytics measure measures measured measuring measurement measurements monitor monitors monitored monitoring
control controls controlled controlling controller management manage managed managing manager managers
model models modelled modelling modeling predict predicts predicted predicting prediction predictions
predictive forecast forecasting estimate estimates estimation assess assessment assessments evaluate
evaluation evaluations characterise characterised characterization characterisation
design designs designed designing build builds built building integrate integrated integration
implement implementation implemented deploy deployment deployed install installation installed
operate operates operated operating operation operations operational operator operators run runs running
step steps stage stages phase phases cycle cycles line lines train
condition conditions parameter parameters variable variables factor factors property properties attribute
attributes characteristic characteristics specification specifications requirement requirements criteria
cell cells culture cultures sample samples sampled batch batches lot lots material materials
manufacturing manufacture manufactured manufacturer manufacturers plant plants site sites facility
facilities scale scales scaled commercial clinical industrial industry industries market markets
pharmaceutical pharmaceuticals pharma biopharma biotech biotechnology drug drugs medicine medicines patient
patients therapeutic therapeutics treatment disease
research researcher researchers science scientific scientist scientists engineering engineer engineers
laboratory laboratories lab labs academic university institute centre department
pilot pilots prototype prototypes demonstration demonstrator proof concept feasibility validation
program programs programme programmes project initiative initiatives service services
supplier suppliers vendor vendors user users people staff personnel expert experts specialist specialists
report reports reporting document documents documentation record records file files
signal signals output outputs input inputs source sources target targets objective objectives
issue issues problem problems challenge challenges risk risks gap gaps need limitation limitations
benefit benefits advantage advantages impact impacts result effect effects outcome outcomes
change changes changed changing variation variations variability difference differences
increase decrease reduction improvement loss losses failure failures error errors
use usage easy ease simply
accept achieve act add adjust affect agree allow appear arrange arrive ask assign assist assume attach attempt
attend avoid base become begin believe belong bring buy calculate carry catch cause check choose claim clear
close collect combine come commit compare concern confirm connect consider consist contain continue contribute
convert correct count cover create deal decide declare decline define deliver delivery demand depend describe
description detail detect determine differ discover discuss display distribute divide draw drive drop earn
eliminate emerge employ encourage engage enjoy enter establish examine exceed exchange exist expand expect
explain explaining explained explanation explore express extend face fail fall feel fill find finish fit fix
flag focus follow following force gain gather generate grow guide handle happen identify ignore illustrate
imagine imply import include indicate influence inform intend interpret interpretation introduce invest
investigate investigation investigations involve join judge justify know lack last lead learn leave let link
list live locate location look lose maintain mark match matter mention mind miss modify move note notice
obtain occur open optimise optimize optimisation optimization order organise own participate pass pay permit
pick place play possess post prefer prepare present preserve prevent print proceed progress promote propose
protect prove publish pull purchase pursue push qualify question reach react read realise receive receipt
recognise recommend recover refer reflect regard register reject relate rely remain remember remove repeat
replace reply represent request resolve respond rest retain return reveal review save say see select
selection sell send serve settle share show sign solve sort speak specify spend stand state stop submit
succeed suffer suggest suit switch talk teach tell tend think throw tolerate touch trade transfer treat
trigger trust try turn understand undertake update upgrade vary view visit wait walk watch wear win withdraw
worry write
able acceptable accepted active actual adequate advanced appropriate aware bad basic brief broad busy capable
careful central cheap comparable comprehensive concrete constant convenient critical crucial daily dedicated
detailed difficult direct dry due effective electronic entire equal essential exact excellent expensive
extensive external extra familiar far final fine firm fixed flexible foreign formal free fresh fundamental
further good great half hard heavy helpful huge ideal immediate important independent individual initial
inner internal key least left legal light likely limited little local loose manual maximum mere minimal
minimum mixed moderate modest narrow national natural near necessary negative net next nice notable numerous
obvious old optimal ordinary original overall particular past perfect permanent personal physical plain poor
popular positive possible powerful practical present previous primary prime prior private proper public
rare ready reasonable recent regular related relative relevant remote repeated representative responsible
right rigorous rough routine safe satisfactory secondary secure senior separate serious significant slight
smart social sole solid special steady straightforward strict structured subsequent substantial successful
sufficient suitable superior sure temporary thorough tight traditional true ultimate unique unusual upper
urgent useful usual valid valuable vast vital weak wide wrong ultra
approximately directly easily effectively entirely eventually exactly finally fully generally highly largely
nearly newly partly primarily properly readily really relatively significantly slightly strongly
successfully usually widely
ability access account action activity addition address advice age agreement aid alternative alternatives
answer argument arrangement aspect attention author authority background balance basis behalf board body
building business case category centre chance character charge choice circumstance client code colleague
combination comment commitment community comparison competition concern conclusion confidence connection
connections consequence consideration context contract contrast contribution country course coverage
criterion date decision definition delay department difficulty dimension direction discussion distance
distribution domain door doubt draft duty edge effort emphasis employee end energy entry environment event
example exception expectation expense explanation expression extent fact fee feedback field file firm
foundation framework fund gap goal ground growth guidance hand history home house idea identity image
importance incident income index indication initiative instance institution instruction intention interest
interface introduction investment item job journey judgement kind language layer leader life majority manner
map margin meaning means meeting member memory message middle mission mistake mode moment money month
movement news object obligation occasion office opinion option organisation origin owner package page pair
panel paper participant party path pattern payment percentage period permission person perspective picture
plan policy portal position possibility power preference premise presence principle priority proportion
proposal prospect protection provision purpose reaction reading reality reason recognition recommendation
reference region relation relationship relevance reliance remainder representation resource respect response
responsibility role room route rule safety sale schedule scheme scope score search section sector sense
series session setting side situation skill space speaker strategy strategies strength stress structure
student students style subject success suggestion suite suites summary table task term text theme theory
thing thought threat title topic track tradition transition trend trip trouble truth version vision way word
world year
one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred hundreds
thousand thousands million millions billion first second third fourth fifth dozen dozens
minute minutes second seconds hour hours day days week weeks month months year years
mg ml ul nl kg nm um mm cm km kda da cp rpm psi kpa mpa ppm ppb percent celsius degree degrees
phd msc postdoc postdoctoral student sponsor sponsors grant grants funding funded
ex vivo vitro situ via per
supply supplies chain agent auto computer contextualised dual health joint lesson lessons counter statistical
virtual soft release notification visibility transport temperature execution evolution certificate
certificates certify certifying assembly assemblies format formats fair flow chemical raw trail trace it ot
digital across along among within toward towards profile profiles medical recurring recur simulated simulate
calendar architecture
gmp cgmp validate validated validating qualify qualified qualifying qualification commissioning automate
automated automating automatic automatically automation forecasts forecasted prognostic
biologic biologics biopharmaceutical biopharmaceuticals biotherapeutic biotherapeutics bioprocess bioprocesses
bioprocessing biomanufacturing biomanufacturer biomanufacturers
`;

/**
 * Thesaurus concepts too broad to be a reason: that a post is about biologics, under GMP, validated, able
 * to predict something, "real-time" or automated is true of most of the marketplace. (Their everyday
 * single words are in the list above: "validated", "qualified", "automated", "forecast", "biologics".)
 */
const CONCEPTS = ['gmp', 'biologic', 'predict', 'validation', 'realtime', 'automation', 'digital'];

const NON_TERM = /[^a-z0-9]/g;

/** The canonical term of a word as the analyser gives it (see core/text/analyze.ts termOf). */
function wordTerm(w: string): string {
  return stem(foldSpelling(w.toLowerCase()).replace(NON_TERM, ''));
}

export const GENERIC_TERMS: ReadonlySet<string> = new Set([
  ...WORDS.split(/\s+/)
    .filter((w) => w.length > 0)
    .flatMap((w) => w.split('-'))
    .map(wordTerm)
    .filter((t) => t.length > 0),
  ...CONCEPTS.map((c) => CONCEPT_PREFIX + c),
]);

/** Is this canonical term (word stem or concept token) a generic word, never a reason for a match? */
export function isGenericTerm(term: string): boolean {
  return GENERIC_TERMS.has(term);
}
