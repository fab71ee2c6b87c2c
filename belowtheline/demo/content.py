"""The demo publication as data: a small regional daily, its rules, stories and readers.

Everything here is invented: the town of Wrenmouth, its paper, its people and the man
awaiting trial in the harbour story. The texts are kept apart from the loader so that an
editor can rewrite a comment without reading any code, and so that tests can check the
data itself (every reply answers an earlier comment, nobody recommends their own).

Times are offsets, never dates: the loader places each story a few days before "now", so
the demo's "3 hours ago" and "yesterday" always look real. A few comments are out of line
on purpose (a contempt-of-court risk, an off-topic rant, an advert, a personal attack, a
stranger's phone number) so that the moderation dashboard is alive at first look: readers
have reported them, a moderator has already dealt with some (the history at the end of
this file), and the rest wait in the queue.
"""

import textwrap
from dataclasses import dataclass
from datetime import time
from typing import Literal


def prose(text: str) -> str:
    """Turn hard-wrapped source text into what a person would have typed.

    The source is wrapped to fit the line length; the stored text has one line per
    paragraph and a blank line between paragraphs, which is how the templates split it.
    """
    paragraphs = textwrap.dedent(text).strip().split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


# --- The publication ----------------------------------------------------------------------

SITE_SLUG = "demo"  # fixed: subscriber tokens are signed for the audience "demo"
SITE_NAME = "The Wrenmouth Courier"
SITE_TIME_ZONE = "Europe/London"
# Subscriber tokens: the demo publisher page signs them with this shared secret (HS256),
# overridden by BTL_DEMO_SSO_SECRET. Known on purpose: it is a demo.
DEMO_SSO_SECRET_DEFAULT = "demo-sso-secret-change-me-in-production"
# Where the demo publisher page runs (`make demo`: PORT + 1); `btl serve --publisher-port`
# adds its actual port too.
DEMO_PUBLISHER_PORT = 8001
ARTICLE_URL_BASE = "https://wrenmouth-courier.example/news"

MODERATION_NOTICE = prose(
    """
    You are personally responsible for what you post here, in law as well as under our
    rules. Comments are not checked before they appear: they go up as soon as you post
    them. Our moderators review comments after the fact, when readers complain using
    "Report this comment", and may amend or delete a comment that breaks the rules.
    When only part-time cover is on duty, a report may take a little longer to be dealt
    with.
    """
)

SUBSCRIBER_ONLY_TEXT = prose(
    """
    Commenting on the Courier is for subscribers. Anyone can read the discussion;
    subscribe to join it.
    """
)

WHY_SUBSCRIBERS_TEXT = prose(
    """
    Our comments are for the people who read the Courier and care about Wrenmouth and
    the towns and villages around it. Keeping them for subscribers is how we keep that
    conversation worth reading.

    Subscribers have a stake in what happens here. Most of them live, work or grew up in
    the area, and they comment under their own names or names they are known by. That
    makes for informed disagreement rather than drive-by abuse.

    Every commenter is accountable. Before a first comment, each subscriber accepts our
    rules and takes personal responsibility for what they post. Because we know who our
    commenters are, someone who is banned for abuse cannot simply come back the next day
    under a new name.

    It keeps spam and organised campaigns out. Fake accounts cost nothing; subscriptions
    do not.

    And it lets us publish your comments at once. We do not check comments before they
    appear: our moderators step in when readers report a problem. That only works when
    the people commenting have earned a measure of trust.

    Anyone can still read every comment, and any signed-in reader can report one that
    breaks the rules.
    """
)


# --- The rules ----------------------------------------------------------------------------

RULES_PUBLISHED_DAYS_AGO = 60
RULES_PUBLISHED_AT = time(9, 0)  # local time

RULES_PREAMBLE = prose(
    """
    The Courier's comments are a place for readers to discuss our journalism and the life
    of the town. Commenting is open to subscribers, who accept these rules before their
    first comment and again whenever we change them. Comments appear as soon as they are
    posted and are not checked first; our moderators act when readers report a comment.
    A moderator may amend or delete a comment that breaks these rules and will say which
    rule it broke. Repeated or serious breaches can lead to an account being suspended or
    banned.
    """
)

# (title, text), numbered from 1 in this order. Moderators cite them by number.
RULES: tuple[tuple[str, str], ...] = (
    (
        "Be civil",
        prose(
            """
            Argue with the point, not the person. No personal abuse, threats or
            harassment, and nothing that attacks people for their race, ethnicity,
            nationality, religion, sex, sexual orientation, gender identity, disability or
            age. Hateful comments are removed and may lead to a ban.
            """
        ),
    ),
    (
        "Stay on topic",
        prose(
            """
            Keep to the subject of the article and the discussion under it. Comments about
            other stories, or that derail a thread, may be removed. Disagreement is
            welcome: answer a comment you disagree with by replying to it, not by reporting
            it.
            """
        ),
    ),
    (
        "No spam or advertising",
        prose(
            """
            Do not post adverts, promotions, chain messages or links to sell things, and do
            not post the same comment again and again. Accounts used to advertise are
            banned.
            """
        ),
    ),
    (
        "Respect the law",
        prose(
            """
            Do not post anything defamatory: a damaging claim about a real person or
            business that you cannot show to be true. When someone has been charged with an
            offence, do not speculate about their guilt or innocence, or discuss evidence
            the jury has not heard, until the case is over: that can be contempt of court
            and can stop a trial. Do not identify victims of sexual offences or children
            involved in court cases, and do not post other people's work without their
            permission.
            """
        ),
    ),
    (
        "Be yourself",
        prose(
            """
            Do not pretend to be another person, a member of our staff or a public figure,
            and do not comment from more than one account.
            """
        ),
    ),
    (
        "Protect privacy",
        prose(
            """
            Do not post anyone's address, phone number, email address, private photographs
            or other personal details, and think twice before posting your own.
            """
        ),
    ),
    (
        "You are responsible for what you post",
        prose(
            """
            You are personally and legally responsible for your comments. By posting, you
            confirm that they are your own words and that they keep to these rules. We may
            pass information to the police or the courts when the law requires it.
            """
        ),
    ),
    (
        "Moderators' decisions",
        prose(
            """
            Our moderators apply these rules, and a moderator's decision stands. If you
            think a decision was wrong, email comments@wrenmouth-courier.example with a
            link to the comment. Please do not argue about moderation in the comments
            themselves.
            """
        ),
    ),
)


# --- People -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    """An account whose password the `demo` command prints, one per role a visitor tries."""

    username: str
    password: str
    display_name: str
    role: str  # what signing in as this account shows, printed next to it


SUBSCRIBER = DemoAccount(
    "subscriber",
    "subscriber-demo",
    "Alex Morgan",
    "a subscriber who has not yet accepted the rules: comment to see that step",
)
READER = DemoAccount(
    "reader",
    "reader-demo",
    "Jo Bennett",
    "signed in, not a subscriber: reads, reports, is invited to subscribe",
)
MODERATOR = DemoAccount(
    "moderator",
    "moderator-demo",
    "Hannah Reid",
    "full-time moderator of the demo publication: works the queue at /moderate/",
)
ADMIN = DemoAccount(
    "admin",
    "admin-demo",
    "Chris Daley",
    "site admin and superuser: Django admin at /admin/",
)
ACCOUNTS: tuple[DemoAccount, ...] = (SUBSCRIBER, READER, MODERATOR, ADMIN)

# The subscribers who have written the comments: username → display name. They sign in
# with "<username>-demo" but are not advertised; the four accounts above are the tour.
COMMENTERS: dict[str, str] = {
    "margaret_hollis": "Margaret Hollis",
    "tom_pengelly": "Tom Pengelly",
    "dev_mistry": "Dev Mistry",
    "ruth_abernethy": "Ruth Abernethy",
    "keith_dunmore": "Keith Dunmore",
    "sophie_marchant": "Sophie Marchant",
    "owen_price": "Owen Price",
    "linda_fairweather": "Linda Fairweather",
    "gareth_lowe": "Gareth Lowe",
    "priya_nair": "Priya Nair",
    "jason_reeve": "WealthWave Jason",
}
COMMENTERS_ACCEPT_RULES_DAYS_AGO = 45

# Signed-in readers who are not subscribers: they read and report, like the demo reader.
READERS: dict[str, str] = {
    "sam_whitlock": "Sam Whitlock",
    "bev_tregear": "Bev Tregear",
    "nadia_hussain": "Nadia Hussain",
}


def commenter_password(username: str) -> str:
    """The password of every person who is not one of the advertised accounts."""
    return f"{username}-demo"


# --- Stories and their threads ------------------------------------------------------------


@dataclass(frozen=True)
class DemoComment:
    """A comment posted `minutes` after its article was published.

    `key` names it for replies and reports; `reply_to` is the key of the comment answered.
    """

    key: str
    author: str
    minutes: int
    text: str
    reply_to: str | None = None
    recommended_by: tuple[str, ...] = ()


def comment(
    key: str,
    author: str,
    minutes: int,
    text: str,
    *,
    reply_to: str | None = None,
    recommended_by: tuple[str, ...] = (),
) -> DemoComment:
    return DemoComment(key, author, minutes, prose(text), reply_to, recommended_by)


@dataclass(frozen=True)
class DemoArticle:
    slug: str
    title: str
    standfirst: str
    body: str
    days_ago: int  # published on this calendar day before today, site time
    published_at: time  # at this local time
    comments: tuple[DemoComment, ...]



# Whole calendar days and morning times keep every comment and recommendation in the past
# whatever the hour the demo is loaded: each thread's last event comes well before midnight
# of the day after its article (tests check the margins).

HARBOUR = DemoArticle(
    slug="old-quay-redevelopment-approved-by-one-vote",
    title="Old Quay redevelopment approved by a single vote after five-hour meeting",
    standfirst=prose(
        """
        Councillors back a £48m plan for 380 homes, a hotel and a marina on Wrenmouth's
        working harbour, despite objections from fishermen and heritage campaigners.
        """
    ),
    body=prose(
        """
        Plans to turn Wrenmouth's Old Quay into 380 homes, a 90-bedroom hotel and a
        200-berth marina were approved late last night by a single vote, after a planning
        meeting that lasted more than five hours.

        Members of Wrenmouth Borough Council's planning committee voted eight to seven in
        favour of the £48 million scheme by the developer Estuary Living, with one
        abstention. More than 200 people packed the public gallery and an overflow room at
        the Guildhall, and the chairman twice had to call for quiet.

        The scheme replaces the harbour's 300-space car park, the fish market and a row of
        disused warehouses with apartment blocks of up to seven storeys. A new public car
        park of 120 spaces will sit beneath the hotel. The Victorian net lofts on the
        quayside will be kept and turned into shops and studios.

        Supporters say it will bring 300 construction jobs, 120 permanent jobs and
        long-awaited homes to a town where the council's housing waiting list stands at
        2,900 households. "This is the most important decision this committee will take
        for a generation," said Cllr Helen Marsh, the cabinet member for regeneration. "The
        quay has been going downhill for 20 years. Doing nothing is not a plan."

        Opponents focused on two changes made since outline permission was granted in
        2024. The share of affordable homes has fallen from 30 per cent to 20 per cent,
        which the developer says is all the scheme can afford after a rise in building
        costs. And the fish market is to move two miles upriver to an industrial unit at
        Saltings, leaving the town's 14 remaining fishing boats to land their catch at a
        new pontoon well away from the buyers.

        "We were told we were part of the plan. Now we are being moved out of the way of
        the view," said Dennis Rowe, who has fished out of Wrenmouth for 40 years.
        Heritage campaigners from the Wrenmouth Society said the seven-storey blocks would
        "wall off" the harbour from the old town.

        The committee added conditions requiring the developer to publish its viability
        assessment and to review the affordable share if profits turn out higher than
        forecast. Estuary Living said it hoped to start work next autumn, with the first
        homes finished in 2029.

        The quay has been the subject of redevelopment plans before. An earlier scheme
        collapsed in 2023, and Graham Tulley, 61, the former chairman of the Wrenmouth
        Harbour Trust, has been charged with fraud by abuse of position in connection with
        land sales at the quay during that period. He denies the charge and is due to
        stand trial at Wrenmouth Crown Court in March. There is no suggestion that Estuary
        Living or the present scheme is connected to the case.

        Opponents have six weeks to seek a judicial review of the decision.
        """
    ),
    days_ago=3,
    published_at=time(7, 0),
    comments=(
        comment(
            "quay-1", "tom_pengelly", 35,
            """
            I've fished out of this harbour for 31 years, like my father did. Nobody on the
            committee could tell us last night how a fish buyer is supposed to get from a
            market at Saltings to a pontoon two miles away at four in the morning. Move the
            market and you finish the fleet, simple as that. Fourteen boats isn't many, but
            they're the reason half the visitors come down to the quay in the first place.
            """,
            recommended_by=(
                "margaret_hollis", "gareth_lowe", "ruth_abernethy", "linda_fairweather",
                "sophie_marchant",
            ),
        ),
        comment(
            "quay-2", "dev_mistry", 62,
            """
            I've a lot of sympathy for that, Tom, honestly. But I'm 29, I've lived here all
            my life and I'm still renting a room in a shared house because there's nothing
            in Wrenmouth I can afford. 380 homes is 380 homes. Isn't there a way to keep the
            market on the quay and still build?
            """,
            reply_to="quay-1",
            recommended_by=("priya_nair", "owen_price"),
        ),
        comment(
            "quay-3", "margaret_hollis", 95,
            """
            The part that worries me is the affordable housing falling from 30 per cent to
            20 per cent. That's 38 fewer affordable homes. The developer says the scheme
            can't afford more, but we only have their word for it: the viability assessment
            should have been published before the vote, not made a condition afterwards.
            """,
            recommended_by=(
                "tom_pengelly", "ruth_abernethy", "linda_fairweather", "owen_price",
                "priya_nair", "sophie_marchant", "dev_mistry",
            ),
        ),
        comment(
            "quay-4", "tom_pengelly", 118,
            """
            Homes for who, though, Dev? Read the report: most of them are one- and two-bed
            flats with a marina view, and only one in five will be affordable. I've no
            problem with houses. I've a problem with flats nobody local can buy being built
            where the boats land.
            """,
            reply_to="quay-2",
            recommended_by=("margaret_hollis", "linda_fairweather"),
        ),
        comment(
            "quay-5", "gareth_lowe", 140,
            """
            Agree about the viability assessment, Margaret. But I run the café on the quay,
            and I'll say this for the scheme: from November to March some days I don't see
            twenty customers. Another thousand people living on the quay would keep places
            like mine open all year. I'd rather have a busy quay with fewer affordable homes
            than an empty one.
            """,
            reply_to="quay-3",
            recommended_by=("dev_mistry",),
        ),
        comment(
            "quay-6", "keith_dunmore", 175,
            """
            Let's not kid ourselves about who we're dealing with. Everyone on the quay knows
            Graham Tulley was lining his own pockets on the last deal, and he'll be found
            guilty in March, mark my words. Same crowd, new brochure. Why would anyone trust
            this lot with the next one?
            """,
        ),
        comment(
            "quay-7", "margaret_hollis", 190,
            """
            Keith, he hasn't been tried yet, and the article says plainly that there's no
            suggestion the new scheme is connected. Comments like that can cause real
            trouble for a trial. Let the court decide, and let's stick to the plans in front
            of us.
            """,
            reply_to="quay-6",
            recommended_by=("priya_nair", "gareth_lowe", "owen_price", "sophie_marchant"),
        ),
        comment(
            "quay-8", "owen_price", 230,
            """
            Nobody at the meeting seemed very interested in the fact that the quay flooded in
            2024 and again in 2025. We're putting 380 homes at the mouth of the estuary while
            the flood barrier for Lower Town still isn't built. Sea levels only go one way.
            """,
            recommended_by=("ruth_abernethy", "margaret_hollis"),
        ),
        comment(
            "quay-9", "ruth_abernethy", 260,
            """
            Thank you, Owen. I'm in Lower Town and we've been flooded twice. Before anyone
            signs up for a flat with a marina view they should ask what their insurance is
            going to cost.
            """,
            reply_to="quay-8",
            recommended_by=("owen_price", "linda_fairweather"),
        ),
        comment(
            "quay-10", "dev_mistry", 300,
            """
            To be fair, it's all in the flood risk assessment. The ground floors are raised
            1.2 metres above the current quay, with the car park and shops underneath, and
            the Environment Agency didn't object. It's one of the better-documented parts of
            the application.
            """,
            reply_to="quay-8",
            recommended_by=("gareth_lowe",),
        ),
        comment(
            "quay-11", "owen_price", 335,
            """
            Raising the flats protects the flats, Dev. The question is where the water goes
            instead, and the answer from our neighbours in Lower Town isn't reassuring.
            """,
            reply_to="quay-10",
            recommended_by=("ruth_abernethy",),
        ),
        comment(
            "quay-12", "linda_fairweather", 400,
            """
            The quay car park has 300 spaces and the new one will have 120. Where are
            visitors supposed to park in August? I can barely get a space now when I take
            the grandchildren for chips.

            And I hope they do a proper job on the net lofts. They're the best thing on the
            harbour.
            """,
            recommended_by=("keith_dunmore",),
        ),
        comment(
            "quay-13", "gareth_lowe", 430,
            """
            The 120 are all public spaces, Linda; the residents get their own under the
            flats. The plan also has a summer park-and-ride from Castle Hill. Whether it
            ever actually runs is another matter.
            """,
            reply_to="quay-12",
        ),
        comment(
            "quay-14", "sophie_marchant", 520,
            """
            A 90-bed hotel means jobs, and my daughter's generation needs them. But let's be
            honest about what kind: housekeeping and bar work, mostly seasonal. I'd like the
            council to hold the developer to the 120 permanent jobs it promised, and to ask
            that they go to local people.
            """,
            recommended_by=("linda_fairweather", "margaret_hollis", "dev_mistry"),
        ),
        comment(
            "quay-15", "priya_nair", 610,
            """
            Eight votes to seven, with one abstention. On a decision this big I'd like to
            know how each councillor voted, and why one of them abstained. Could the Courier
            publish the list?
            """,
            recommended_by=("keith_dunmore", "owen_price", "tom_pengelly"),
        ),
        comment(
            "quay-16", "margaret_hollis", 650,
            """
            Priya, it was a recorded vote, so the names will be in the minutes on the
            council's website, usually within a week. Worth looking up your own ward
            councillors.
            """,
            reply_to="quay-15",
            recommended_by=("priya_nair",),
        ),
        comment(
            "quay-17", "tom_pengelly", 780,
            """
            For anyone asking what the fishermen actually want: it isn't to stop the whole
            thing. Keep the fish market on the quay, next to where we land, and give us the
            pontoon as well. That's a few flats fewer, not the end of the scheme. We put
            that to Estuary Living a year ago and never heard back.
            """,
            recommended_by=(
                "margaret_hollis", "gareth_lowe", "ruth_abernethy", "dev_mistry",
                "sophie_marchant", "owen_price",
            ),
        ),
        comment(
            "quay-18", "dev_mistry", 815,
            """
            That sounds like a compromise most people could live with. I'd back that.
            """,
            reply_to="quay-17",
            recommended_by=("tom_pengelly",),
        ),
        comment(
            "quay-19", "keith_dunmore", 1500,
            """
            Typical Wrenmouth. Object to everything for twenty years, then moan that the
            young people have all moved away. The quay is a car park and some sheds. Build
            it.
            """,
            recommended_by=("gareth_lowe", "dev_mistry"),
        ),
        comment(
            "quay-20", "sophie_marchant", 1560,
            """
            Nobody here is objecting to everything, Keith. People are asking for more
            affordable homes and for the fish market to stay. That's not the same as saying
            no.
            """,
            reply_to="quay-19",
            recommended_by=("margaret_hollis", "tom_pengelly", "priya_nair"),
        ),
        comment(
            "quay-21", "keith_dunmore", 1620,
            """
            Asking for more of everything is how you end up with nothing. The last scheme
            fell through and we've had an empty quay ever since.
            """,
            reply_to="quay-20",
        ),
        comment(
            "quay-22", "priya_nair", 1700,
            """
            I'd build it too, but with conditions that stick. The committee agreed to review
            the affordable share if profits are higher than forecast. We should all keep an
            eye on whether that review ever happens.
            """,
            reply_to="quay-19",
            recommended_by=("margaret_hollis", "owen_price"),
        ),
    ),
)

BUSES = DemoArticle(
    slug="evening-buses-to-end-at-7pm-on-five-routes",
    title="Evening buses to end at 7pm on five Wrenmouth routes from January",
    standfirst=prose(
        """
        Coastline Buses blames the loss of county council support. Hospital staff,
        students and pensioners say they will be left stranded.
        """
    ),
    body=prose(
        """
        Evening and Sunday buses on five of Wrenmouth's busiest routes will be withdrawn
        from 4 January, Coastline Buses has announced.

        The operator said the last journeys on routes 4, 9, 12, 22 and 31 would leave at
        about 7pm on weekdays and Saturdays, instead of after 11pm as now. Sunday services
        on the 22, between Millbrook and the harbour, and the 31, to the Kingsbridge
        villages, will stop altogether.

        The cuts follow Wrenshire County Council's decision to end a £640,000-a-year
        subsidy for journeys that do not cover their costs. Coastline says its evening
        buses carry an average of six passengers and that it cannot run them commercially.

        "We know this will be unwelcome news for the people who rely on these journeys,"
        said Coastline's managing director, Claire Huxley. "But we cannot run empty buses
        at a loss indefinitely, and without support there is no way to make the numbers
        work."

        The 12, which links Eastcliff, the town centre and Wrenmouth General Hospital, is
        used by many of the hospital's staff. The hospital trust said about 400 of its
        3,100 employees travel to work by bus, and that shifts commonly end at 8pm or
        9.30pm. "We are talking to Coastline and the county council urgently," a
        spokeswoman said.

        Peter Lang, chairman of the Wrenmouth Bus Users' Group, said a petition against the
        cuts had gathered more than 2,300 signatures in four days. "Six passengers is six
        people who have no other way home," he said. "Many of them are older people, young
        people and shift workers who do not drive. Once a route loses its evenings, it is
        not long before it loses its days too."

        Cllr Alison Reade, the county's cabinet member for transport, said the council
        faced a £31 million gap in next year's budget and had to protect services it is
        required by law to provide, such as adult social care. She said the council would
        bid for government bus funding and was looking at a "demand-responsive" minibus
        service for the evenings, booked by app or by phone.

        The county council is consulting on its bus strategy until 12 December. Responses
        can be made online or on paper forms at any Wrenshire library.
        """
    ),
    days_ago=2,
    published_at=time(6, 45),
    comments=(
        comment(
            "bus-1", "sophie_marchant", 25,
            """
            I'm a nurse at Wrenmouth General and my shift finishes at 8pm. From January the
            last 12 will have gone an hour before I get out. A taxi to Eastcliff is £14,
            which is £70 a week on top of everything else. I'm not the only one: half my
            ward gets the bus.
            """,
            recommended_by=(
                "linda_fairweather", "margaret_hollis", "ruth_abernethy", "owen_price",
                "priya_nair", "gareth_lowe", "tom_pengelly",
            ),
        ),
        comment(
            "bus-2", "linda_fairweather", 55,
            """
            Same for those of us with bus passes, Sophie. Mine doesn't work before half
            past nine in the morning, and now there'll be nothing to use it on after seven
            at night either. I don't drive and never have. That's the choir, the bingo and
            visiting my sister gone.
            """,
            reply_to="bus-1",
            recommended_by=("sophie_marchant", "margaret_hollis"),
        ),
        comment(
            "bus-3", "keith_dunmore", 80,
            """
            Six passengers a bus. Six. Why should council tax payers subsidise empty buses
            driving round at ten at night? If people want a bus service, they have to use
            it.
            """,
        ),
        comment(
            "bus-4", "owen_price", 100,
            """
            Every road you drive on is subsidised, Keith, and nobody asks how many cars use
            it at 10pm. Six passengers is also an average: the 12 is full at shift change
            and empty later on. Cut the evenings and you lose the daytime passengers too,
            because they can't get home.
            """,
            reply_to="bus-3",
            recommended_by=("sophie_marchant", "priya_nair", "ruth_abernethy"),
        ),
        comment(
            "bus-5", "keith_dunmore", 125,
            """
            I pay road tax, thank you. Buses either pay for themselves or they don't.
            """,
            reply_to="bus-4",
        ),
        comment(
            "bus-6", "owen_price", 150,
            """
            There's been no such thing as road tax since 1937, Keith. What you pay is
            vehicle excise duty, and it doesn't pay for Wrenmouth's roads: those come
            largely out of council tax, which bus users pay too.
            """,
            reply_to="bus-5",
            recommended_by=("priya_nair", "margaret_hollis"),
        ),
        comment(
            "bus-7", "margaret_hollis", 190,
            """
            Please, everyone who is angry about this: respond to the county's consultation
            before 12 December. Petitions make the paper, but the consultation is what the
            officers have to report to councillors. It takes ten minutes online, or you can
            fill in a paper form at the library.
            """,
            recommended_by=(
                "linda_fairweather", "sophie_marchant", "ruth_abernethy", "tom_pengelly",
                "owen_price", "dev_mistry", "gareth_lowe", "priya_nair",
            ),
        ),
        comment(
            "bus-8", "gareth_lowe", 240,
            """
            This hits businesses too. Two of my staff get the 22 home from the quay. If the
            last bus is at seven, I either close early or lose them. We're trying to bring
            people into town in the evenings, and cutting the buses does the opposite.
            """,
            recommended_by=("sophie_marchant", "dev_mistry"),
        ),
        comment(
            "bus-9", "dev_mistry", 300,
            """
            The demand-responsive minibus idea isn't as bad as it sounds. Some places have
            done it well: you book a seat an hour ahead and it picks you up on the way. For
            evenings with six passengers a route it might even be a better service than a
            big bus on a fixed timetable.
            """,
            recommended_by=("keith_dunmore",),
        ),
        comment(
            "bus-10", "priya_nair", 340,
            """
            My mum's village had one of those, booked by app. She's 78 and she never
            managed it once. If it happens, it has to take phone bookings and be properly
            staffed, or it's a cut by another name.
            """,
            reply_to="bus-9",
            recommended_by=("linda_fairweather", "margaret_hollis", "sophie_marchant"),
        ),
        comment(
            "bus-11", "dev_mistry", 370,
            """
            That's fair, and phone booking should be a condition. I'd still rather argue for
            a decent on-demand service than for six people on a 70-seat bus.
            """,
            reply_to="bus-10",
        ),
        comment(
            "bus-12", "ruth_abernethy", 430,
            """
            Nobody has mentioned young people. My son is at college in town and has football
            training until eight, twice a week. The 22 is how he gets home to Millbrook.
            After January it's me in the car or he stops going.
            """,
            recommended_by=("sophie_marchant", "priya_nair"),
        ),
        comment(
            "bus-13", "tom_pengelly", 470,
            """
            It's worse out on the 31. The villages lose Sundays completely. There are people
            past Kingsbridge who'll have no way into town at all from Saturday teatime to
            Monday morning.
            """,
            reply_to="bus-12",
            recommended_by=("linda_fairweather",),
        ),
        comment(
            "bus-14", "keith_dunmore", 520,
            """
            Never mind the buses. When is someone at this paper going to ask why Wrenmouth
            Town are still paying a manager who has won two games since August? Fourteenth
            in the table and the chairman says he has "full confidence". Full confidence in
            what, relegation? Season ticket holders deserve answers.
            """,
        ),
        comment(
            "bus-15", "sophie_marchant", 640,
            """
            The hospital trust could put on its own staff shuttle at shift change, like the
            big city hospitals do. It would cost a fraction of what they spend on agency
            staff when people can't get in.
            """,
            recommended_by=("margaret_hollis", "owen_price"),
        ),
        comment(
            "bus-16", "margaret_hollis", 700,
            """
            That's a very good idea. The trust's board meets in public; it might be worth
            asking the question there.
            """,
            reply_to="bus-15",
            recommended_by=("sophie_marchant",),
        ),
        comment(
            "bus-17", "owen_price", 780,
            """
            I cycle most places and I'd love more people to, but let's not pretend it's the
            answer here. Castle Hill is a 1-in-8 climb, there's no lighting on the Eastcliff
            road, and half the people affected are over seventy.
            """,
            recommended_by=("linda_fairweather", "ruth_abernethy"),
        ),
        comment(
            "bus-18", "gareth_lowe", 840,
            """
            Keith, by that logic we'd shut the library on quiet afternoons and the swimming
            pool in term time. Some services are there because a town needs them, not
            because every trip turns a profit.
            """,
            reply_to="bus-3",
            recommended_by=("owen_price", "sophie_marchant"),
        ),
        comment(
            "bus-19", "priya_nair", 1450,
            """
            Has anyone seen how the "average of six passengers" was worked out? If it
            includes the last journeys at eleven at night, of course it's low. I've asked
            the county council for the figures by route and time of day under the Freedom
            of Information Act, and I'll share what comes back.
            """,
            recommended_by=("owen_price", "margaret_hollis", "ruth_abernethy", "dev_mistry"),
        ),
        comment(
            "bus-20", "linda_fairweather", 1500,
            """
            Done mine at the library this morning, Margaret. The librarian said they'd had
            forty forms in already.
            """,
            reply_to="bus-7",
            recommended_by=("margaret_hollis", "sophie_marchant"),
        ),
    ),
)

FLOODS = DemoArticle(
    slug="lower-town-flood-barrier-delayed-until-2028",
    title="Lower Town flood barrier delayed until 2028 as costs rise by £9m",
    standfirst=prose(
        """
        Residents flooded twice in two years face two more winters behind temporary
        defences.
        """
    ),
    body=prose(
        """
        A tidal barrier meant to protect 640 homes and businesses in Wrenmouth's Lower Town
        will not be finished until the spring of 2028, more than a year later than
        promised, the Environment Agency has confirmed.

        The cost of the scheme, a joint project with Wrenmouth Borough Council, has risen
        from £23 million to £32 million. The agency blamed the price of steel and concrete,
        and ground conditions at the mouth of Wren Creek that turned out to be worse than
        surveys had shown.

        Lower Town was flooded in January 2024 and again in the tidal surge of October
        2025, when water reached a metre deep in parts of Lower Quay Road and 180
        properties were evacuated. The barrier, a pair of steel gates that will close
        across the creek when a surge is forecast, was originally due to be working before
        this winter.

        Until it is, the agency will put up temporary barriers along Lower Quay Road when a
        high tide and strong winds are forecast, and keep pumps on standby at the creek.
        "We understand how worrying this is for people who have been flooded before," said
        Simon Achebe, the agency's project manager. "We have improved the temporary
        defences since October 2025 and they will be ready again this winter."

        Maureen Sallis, who chairs the Lower Town Flood Action group, said residents were
        exhausted. "Some people are only just back in their homes from the last flood," she
        said. "Insurance premiums have doubled, some people can't get cover at all, and
        every spring tide people lie awake listening to the wind. Another two winters is a
        long time to ask."

        The council's leader, Cllr Martin Greaves, said the council would keep its £6
        million share of the cost and would ask the government to meet the rest of the
        increase.

        Homes and businesses in the flood zone can apply through the council's website for
        property flood resilience grants of up to £5,000, for flood doors, air brick covers
        and non-return valves. Sandbags are available from the council depot on Creek Lane,
        and residents are urged to sign up for free flood warnings by phone and text.

        A public drop-in session on the scheme will be held at St Anne's church hall next
        week.
        """
    ),
    days_ago=1,
    published_at=time(7, 30),
    comments=(
        comment(
            "flood-1", "ruth_abernethy", 20,
            """
            We were flooded in January 2024 and again in October 2025. We only moved back
            downstairs in March. Our insurance has gone from £600 to £1,900, and this
            morning we're told two more winters.

            I'd like someone from the Environment Agency to come and sit in my kitchen when
            the next tide warning goes off.
            """,
            recommended_by=(
                "margaret_hollis", "linda_fairweather", "sophie_marchant", "tom_pengelly",
                "owen_price", "priya_nair", "gareth_lowe",
            ),
        ),
        comment(
            "flood-2", "margaret_hollis", 45,
            """
            I'm so sorry, Ruth. If it helps, the volunteers at St Anne's are filling
            sandbags again on Saturday mornings, and they'll deliver to anyone who can't
            carry them.
            """,
            reply_to="flood-1",
            recommended_by=("ruth_abernethy",),
        ),
        comment(
            "flood-3", "owen_price", 70,
            """
            So the barrier protecting 640 existing homes is more than a year late and £9m
            over budget, and this week the council approved 380 new homes on the Old Quay
            next door. Shouldn't we finish protecting the people already here first?
            """,
            recommended_by=("ruth_abernethy", "tom_pengelly", "linda_fairweather"),
        ),
        comment(
            "flood-4", "dev_mistry", 95,
            """
            They're separate budgets and separate sites, Owen. The quay scheme raises its
            own ground levels and pays for its own defences along the quay wall. If
            anything, that adds protection on that stretch.
            """,
            reply_to="flood-3",
        ),
        comment(
            "flood-5", "owen_price", 120,
            """
            Separate budgets, same river. Ask the people in Lower Town whether they'd rather
            have the developer's quay wall or their barrier finished first.
            """,
            reply_to="flood-4",
            recommended_by=("ruth_abernethy",),
        ),
        comment(
            "flood-6", "keith_dunmore", 150,
            """
            £23m to £32m. Nearly 40 per cent over before the thing is half built. Anyone who
            ran a business like that would soon be out of one. Who signed off the original
            estimate?
            """,
            recommended_by=("gareth_lowe",),
        ),
        comment(
            "flood-7", "priya_nair", 180,
            """
            Building costs have gone up for everyone, Keith, and the article says the ground
            at the creek mouth was worse than the surveys showed. That happens on river
            works. I'd rather they stopped and did it properly than rushed the foundations.
            """,
            reply_to="flood-6",
            recommended_by=("owen_price", "dev_mistry"),
        ),
        comment(
            # Removed by the moderator under rule 1: see MODERATION below.
            "flood-7a", "keith_dunmore", 200,
            """
            Spare us the excuses, Priya. You'd make excuses for this lot whatever they did.
            Some of us have had about enough of know-alls who have never run anything in
            their lives lecturing the rest of us about building costs.
            """,
            reply_to="flood-7",
        ),
        comment(
            "flood-8", "tom_pengelly", 215,
            """
            The creek hasn't been dredged properly in fifteen years. Every fisherman in
            Wrenmouth will tell you it's silted up. Water that can't get out to sea goes
            sideways into Lower Town.
            """,
            recommended_by=("keith_dunmore", "linda_fairweather"),
        ),
        comment(
            "flood-9", "ruth_abernethy", 245,
            """
            I've heard that a lot, Tom, and I'd like it to be true, but both our floods were
            surges coming in from the sea, not the creek backing up. Dredging wouldn't have
            kept them out. The barrier would.
            """,
            reply_to="flood-8",
            recommended_by=("owen_price", "priya_nair", "margaret_hollis"),
        ),
        comment(
            "flood-10", "tom_pengelly", 270,
            """
            Fair point. It wouldn't hurt, mind, but you're right that it's the barrier that
            matters.
            """,
            reply_to="flood-9",
            recommended_by=("ruth_abernethy",),
        ),
        comment(
            "flood-11", "jason_reeve", 300,
            """
            Worried about the cost of flood insurance? I was too, until I joined the
            WealthWave Crypto Academy. Members are making £300 a day from home with our
            proven trading signals. Only 20 places left on this month's course: visit
            wealthwave-academy.example and use code FLOOD50 for half price!
            """,
        ),
        comment(
            "flood-12", "gareth_lowe", 340,
            """
            For anyone on Lower Quay Road: the £5,000 flood resilience grants are worth
            applying for. We had flood doors and non-return valves fitted at the café and
            the water stayed out in the October surge. It took about eight weeks from
            applying to fitting.
            """,
            recommended_by=(
                "ruth_abernethy", "linda_fairweather", "margaret_hollis", "sophie_marchant",
            ),
        ),
        comment(
            "flood-13", "linda_fairweather", 380,
            """
            Did you have to get your own surveyor, Gareth? My neighbour was told she needed
            one and gave up.
            """,
            reply_to="flood-12",
        ),
        comment(
            "flood-14", "gareth_lowe", 410,
            """
            No, the council sent one for free, Linda. Tell your neighbour to ring the flood
            team rather than do it online, and ask for Dave Pryor: he gave me his own
            mobile, 07700 900461, and he'll sort it. They were very helpful on the phone.
            """,
            reply_to="flood-13",
            recommended_by=("linda_fairweather",),
        ),
        comment(
            "flood-15", "sophie_marchant", 460,
            """
            People outside Lower Town don't see the toll this takes. I see patients who
            haven't slept properly since January 2024, and every storm warning brings it
            back. Two more winters of that matters as much as the £9m.
            """,
            recommended_by=("ruth_abernethy", "margaret_hollis", "priya_nair"),
        ),
        comment(
            "flood-16", "ruth_abernethy", 500,
            """
            Thank you for saying this, Sophie. It's exactly that. My daughter packs a bag
            every time the wind gets up.
            """,
            reply_to="flood-15",
            recommended_by=("sophie_marchant",),
        ),
        comment(
            "flood-17", "margaret_hollis", 560,
            """
            A practical point: if you live in Lower Town and haven't signed up for the free
            flood warnings by phone and text, please do, and help an older neighbour to do
            it too. The drop-in at St Anne's next week is the place to ask the agency about
            the temporary barriers.
            """,
            recommended_by=("linda_fairweather", "ruth_abernethy", "owen_price", "tom_pengelly"),
        ),
        comment(
            "flood-18", "dev_mistry", 640,
            """
            One thing I'd want answered at the drop-in: how long the temporary barriers take
            to put up, and who decides when. In October 2025 people said they went up too
            late on some streets.
            """,
            recommended_by=("ruth_abernethy", "owen_price"),
        ),
        comment(
            # Reported as abusive by Dev: open in the queue when the demo starts.
            "flood-19", "owen_price", 700,
            """
            Good question, Dev, and it makes a change to hear you ask one. You've had an
            answer ready for the developer and the agency on every thread this week. Are you
            sure you don't work for one of them?
            """,
            reply_to="flood-18",
        ),
        comment(
            # Posted once Keith was on pre-moderation: it awaits a moderator's approval.
            "flood-20", "keith_dunmore", 765,
            """
            My comment from this morning has been taken down, and fair enough: I was out of
            order with Priya, and I apologise to her. My question stands, though. Who signed
            off an estimate of £23m for a job that now costs £32m, and has anyone at the
            council asked them?
            """,
        ),
    ),
)

ARTICLES: tuple[DemoArticle, ...] = (HARBOUR, BUSES, FLOODS)

# Recommendations arrive this many minutes apart after the comment goes up.
RECOMMENDATION_GAP_MINUTES = 9



# --- Moderation ---------------------------------------------------------------------------
#
# The reports and the moderator's decisions happen through the services at these moments,
# interleaved with the comments above, oldest first: a report comes after its comment, a
# decision after its reports. A moment is a number of days before today and a local time.
#
# Cover decides what the system does with a report, so the moments are chosen to do the
# same whatever the weekday the demo is loaded on. The open reports were all filed
# yesterday evening, after the moderator's last decision; evenings are part-time cover
# every day, so the one legal-risk report (on quay-6) makes the system hold the comment
# (one legal-risk report is the part-time threshold). No comment ever has more than two
# open reports, so no other comment is held, in either cover.

# A dated exception to the weekly schedule: bank holidays have part-time cover. The loader
# uses the next Christmas, so that the example is always ahead in the schedule.
BANK_HOLIDAYS: tuple[tuple[int, int, str], ...] = (
    (12, 25, "Christmas Day"),
    (12, 26, "Boxing Day"),
)


@dataclass(frozen=True)
class DemoReport:
    """A reader's complaint about the comment `comment`, `days_ago` at local time `at`."""

    comment: str
    reporter: str  # a username: a reader or a commenter
    reason: str
    note: str
    days_ago: int
    at: time


DecisionAction = Literal["dismiss", "amend", "remove", "premoderate", "note"]


@dataclass(frozen=True)
class DemoDecision:
    """What the demo moderator did, `days_ago` at local time `at`.

    `comment` is the key of the comment acted on; `author` the username a sanction or a
    note is about; `rule` the number of the rule cited; `text` the amended text or the note.
    """

    action: DecisionAction
    days_ago: int
    at: time
    comment: str | None = None
    author: str | None = None
    rule: int | None = None
    reason: str = ""
    text: str = ""


REPORTS: tuple[DemoReport, ...] = (
    # Decided before the demo opens (see DECISIONS).
    DemoReport(
        "quay-19", "bev_tregear", "abusive",
        "Insulting to everyone who objected to the scheme.", 2, time(8, 40),
    ),
    DemoReport(
        "flood-7a", "priya_nair", "abusive",
        "Personal remarks about me, not about anything I said.", 1, time(11, 2),
    ),
    DemoReport(
        "flood-7a", "nadia_hussain", "abusive",
        "A personal attack on another commenter.", 1, time(11, 20),
    ),
    DemoReport(
        "flood-14", "reader", "other",
        "This gives out a council officer's personal mobile number.", 1, time(14, 48),
    ),
    # Open: filed yesterday evening, part-time cover, after the moderator's last decision.
    DemoReport(
        "bus-14", "reader", "off_topic",
        "This is about football, not the buses.", 1, time(18, 40),
    ),
    DemoReport(
        "flood-11", "ruth_abernethy", "spam",
        "An advert, and aimed at people who have been flooded.", 1, time(19, 5),
    ),
    DemoReport(
        "flood-19", "dev_mistry", "abusive",
        "Suggests I'm secretly working for the developer. I'm not: I just read the planning "
        "documents.", 1, time(19, 35),
    ),
    DemoReport(
        "bus-1", "bev_tregear", "other",
        "Says she is a nurse at the General. Can the Courier check that people are who they "
        "say they are?", 1, time(20, 5),
    ),
    DemoReport(
        "flood-11", "reader", "spam",
        "An advert for a crypto trading course.", 1, time(20, 30),
    ),
    DemoReport(
        "bus-14", "linda_fairweather", "off_topic",
        "Nothing to do with the buses.", 1, time(21, 15),
    ),
    # Held by the system at once: a legal-risk report during part-time cover.
    DemoReport(
        "quay-6", "sam_whitlock", "legal_risk",
        "Says a named man who is awaiting trial will be found guilty. Isn't that contempt of "
        "court?", 1, time(21, 40),
    ),
)

DECISIONS: tuple[DemoDecision, ...] = (
    DemoDecision(
        "dismiss", 2, time(9, 50), comment="quay-19",
        reason="Blunt, but it argues with a position, not with a person. Disagreement is "
        "answered with a reply.",
    ),
    DemoDecision(
        "remove", 1, time(11, 45), comment="flood-7a", rule=1,
        reason="A personal attack on another commenter.",
    ),
    DemoDecision(
        "premoderate", 1, time(11, 50), author="keith_dunmore",
        reason="A personal attack on another commenter, removed today under rule 1. His "
        "comments are checked before they appear until further notice.",
    ),
    DemoDecision(
        "note", 1, time(11, 55), author="keith_dunmore",
        text="Regular on council and transport stories: blunt, and usually within the rules. "
        "Removed his personal attack on Priya Nair today and put him on pre-moderation. "
        "Review in a week and lift it if his comments stay civil.",
    ),
    DemoDecision(
        "amend", 1, time(15, 25), comment="flood-14", rule=6,
        reason="Took out a council officer's personal mobile number; the rest of the advice "
        "stands.",
        text="No, the council sent one for free, Linda. Tell your neighbour to ring the flood "
        "team rather than do it online, and ask for Dave Pryor. [Phone number removed by a "
        "moderator.] They were very helpful on the phone.",
    ),
)
