// What home-services conversations are made of, per trade: company names, the customer's first words
// (with the urgency they signal), discovery questions and answers, what a rep finds and proposes on a
// visit, the price range, a related service the customer mentions (a cross-sell the rep may miss) and
// one the company does not offer.

export interface Vertical {
  key: string;
  label: string;
  thing: string;
  companies: readonly string[];
  services: readonly string[];
  openers: readonly { text: string; urgency: readonly string[] }[];
  discovery: readonly (readonly [string, string])[];
  findings: readonly string[];
  proposal: readonly string[];
  price: readonly [number, number];
  crossSell: { line: string; service: string };
  notOffered: { line: string; service: string };
  visitAction: 'inspection' | 'site_visit' | 'measurement';
}

export const VERTICALS: readonly Vertical[] = [
  {
    key: 'roofing',
    label: 'Roofing',
    thing: 'the roof',
    companies: ['Summit Roofing', 'Apex Roofing & Exteriors', 'Blue Ridge Roofing'],
    services: ['Roof Repair', 'Roof Replacement', 'Storm Damage Repair'],
    openers: [
      {
        text: "Hi, we had that big storm last night and now there's water coming through the ceiling in the upstairs bedroom.",
        urgency: ['Recent storm damage', 'Active leak'],
      },
      {
        text: "Hi, I'm calling because a bunch of shingles blew off my roof and I'm worried it's going to leak.",
        urgency: ['Missing shingles'],
      },
      {
        text: "Hello, my roof is about twenty years old and I think it's time to look at replacing it.",
        urgency: ['Aging roof'],
      },
    ],
    discovery: [
      [
        'How old is the roof, do you know?',
        "I think it's around eighteen years old, it was here when we bought the house.",
      ],
      ['Is it asphalt shingles or something else?', "It's asphalt shingles, the dark gray kind."],
      [
        'Have you had any repairs done on it before?',
        'Just a small patch near the chimney about five years ago.',
      ],
      ['Is the leak near a vent, a chimney or a skylight?', "It's right by the skylight in the hallway."],
      [
        'Have you filed an insurance claim for the storm yet?',
        "Not yet, I wasn't sure if I should call you or the insurance first.",
      ],
      ['Is it a one-story or a two-story house?', "It's a two-story colonial."],
      ['Do you know if there is more than one layer of shingles?', "I'm not sure, I've never been up there."],
    ],
    findings: [
      'I found three areas of lifted shingles on the north slope and the flashing around the skylight is cracked.',
      "The decking is soft in one spot near the valley, which is where your water's coming in.",
    ],
    proposal: [
      'I would recommend a full tear-off and a new architectural shingle roof with new flashing and ice and water shield.',
      'It comes with a fifty-year manufacturer warranty and our ten-year workmanship warranty.',
    ],
    price: [9500, 24000],
    crossSell: {
      line: 'I might need new gutters too, they overflow every time it rains.',
      service: 'gutter replacement',
    },
    notOffered: { line: 'Do you also do solar panel installation?', service: 'Solar panel installation' },
    visitAction: 'inspection',
  },
  {
    key: 'hvac',
    label: 'HVAC',
    thing: 'the system',
    companies: ['Comfort Air Heating & Cooling', 'Polar Bear HVAC', 'Evergreen Climate Services'],
    services: ['AC Repair', 'Furnace Replacement', 'HVAC Maintenance'],
    openers: [
      {
        text: "Hi, my air conditioner stopped blowing cold air this morning and it's already ninety degrees in the house.",
        urgency: ['No cooling in extreme heat'],
      },
      {
        text: "Hello, our furnace keeps turning on and off and it's making a loud banging noise.",
        urgency: ['Furnace malfunction'],
      },
      {
        text: "Hi, I'm thinking about replacing our old heating and cooling system, it's really inefficient.",
        urgency: ['High energy bills'],
      },
    ],
    discovery: [
      ['How old is the unit?', 'The outside unit says 2009 on the label, so about fifteen years I guess.'],
      ['Is it a heat pump or a furnace with central air?', "It's a gas furnace with central air."],
      [
        'When was the last time it was serviced?',
        "Honestly I don't think it's been serviced in three or four years.",
      ],
      [
        'Have you noticed your energy bills going up?',
        'Yes, our summer bills have been over four hundred dollars.',
      ],
      ['Is the thermostat showing any error codes?', "It's just blinking, no code that I can see."],
      ['How many square feet is the home, roughly?', 'About twenty-two hundred square feet.'],
      [
        'Are there rooms that are always hotter or colder than the rest?',
        'The bonus room over the garage is always too hot.',
      ],
    ],
    findings: [
      'The compressor is drawing high amperage and the capacitor is bulging, and the coil is pretty corroded.',
      'Your ductwork is leaking in the attic, which explains why the bonus room never cools down.',
    ],
    proposal: [
      'I would recommend a sixteen SEER two-stage heat pump with a matched air handler and a smart thermostat.',
      'We would also seal the attic ducts so the upstairs finally gets the air it needs.',
    ],
    price: [7800, 18500],
    crossSell: {
      line: 'The air in the house always feels really dry and dusty too.',
      service: 'whole-home humidifier and air purifier',
    },
    notOffered: {
      line: 'Can you also look at our water heater? It leaks a little.',
      service: 'Water heater repair',
    },
    visitAction: 'site_visit',
  },
  {
    key: 'plumbing',
    label: 'Plumbing',
    thing: 'the plumbing',
    companies: ['Reliable Rooter & Plumbing', 'Clearwater Plumbing Co.', 'Benchmark Plumbing'],
    services: ['Leak Repair', 'Water Heater Replacement', 'Drain Cleaning'],
    openers: [
      {
        text: "Hi, there's water pooling under my kitchen sink and I can't find where it's coming from.",
        urgency: ['Active leak'],
      },
      {
        text: "Hello, our water heater is making a popping sound and we've had no hot water since yesterday.",
        urgency: ['No hot water'],
      },
      {
        text: 'Hi, the main drain keeps backing up into the basement shower every time we run the washer.',
        urgency: ['Sewer backup'],
      },
    ],
    discovery: [
      [
        'Is the leak constant or only when the water is running?',
        'It seems to drip all the time, even overnight.',
      ],
      ['How old is the water heater?', "I think it's about twelve years old, it's a fifty gallon gas one."],
      ['Do you know where your main shutoff valve is?', "Yes, it's in the basement next to the meter."],
      ['Are the pipes copper or plastic?', "Mostly copper, but there's some white plastic under the sink."],
      [
        'Have you used any drain cleaner on it?',
        'We tried a bottle of the gel stuff last week, it did not help.',
      ],
      ['Is it a public sewer or a septic system?', "We're on the city sewer."],
      ['Has anyone camera-inspected the line before?', 'No, nobody has ever looked inside the pipes.'],
    ],
    findings: [
      'The supply line under the sink is corroded at the compression fitting and the cabinet floor is starting to swell.',
      'The water heater tank has sediment build-up and the relief valve is weeping.',
    ],
    proposal: [
      'I would recommend replacing the tank with a high-efficiency tankless unit and new shutoff valves.',
      'We would also replace the corroded supply lines and pressure-test the whole kitchen run.',
    ],
    price: [1800, 6500],
    crossSell: {
      line: 'Our water tastes kind of funny lately too.',
      service: 'whole-house water filtration',
    },
    notOffered: { line: 'Do you guys also fix dishwashers?', service: 'Appliance repair' },
    visitAction: 'site_visit',
  },
  {
    key: 'solar',
    label: 'Solar',
    thing: 'the panels',
    companies: ['SunPath Solar', 'Brightside Solar Energy', 'Golden Hour Solar'],
    services: ['Solar Installation', 'Solar Panel Repair', 'Battery Storage'],
    openers: [
      {
        text: "Hi, our electric bill has doubled this year and I'd like to find out if solar makes sense for us.",
        urgency: ['Rising electricity costs'],
      },
      {
        text: "Hello, I got a flyer about the federal tax credit for solar and I'd like to learn more before it changes.",
        urgency: ['Tax credit deadline'],
      },
      {
        text: "Hi, we keep losing power in storms and we're looking at solar with a battery backup.",
        urgency: ['Frequent outages'],
      },
    ],
    discovery: [
      [
        'What does your average monthly electric bill look like?',
        "It's around two hundred and eighty dollars, more in the summer.",
      ],
      [
        'Which way does the back of the roof face?',
        'The back of the house faces south, no trees on that side.',
      ],
      ['Do you own the home?', "Yes, we've owned it for about eight years."],
      ['How old is the roof?', 'The roof was replaced about four years ago.'],
      [
        'Are you planning to get an electric car in the next few years?',
        'Probably, my husband has been looking at one.',
      ],
      ['Who is your utility company?', "It's the county electric cooperative."],
      ['Would you want battery backup for outages?', "Yes, that's a big part of why we're calling."],
    ],
    findings: [
      'Your south-facing roof gets about six peak sun hours, and the shading analysis came back at ninety-four percent.',
      'Your main panel is two hundred amps, so we will not need a panel upgrade.',
    ],
    proposal: [
      'I would recommend a nine point six kilowatt system with twenty-four panels and a thirteen kilowatt-hour battery.',
      'That should offset about ninety-five percent of your usage, and the tax credit covers thirty percent of the cost.',
    ],
    price: [21000, 42000],
    crossSell: {
      line: 'We have also been thinking about an electric car charger in the garage.',
      service: 'EV charger installation',
    },
    notOffered: { line: 'Do you also do roof repairs? We have a small leak.', service: 'Roof repair' },
    visitAction: 'site_visit',
  },
  {
    key: 'windows',
    label: 'Windows & Doors',
    thing: 'the windows',
    companies: ['ClearView Windows & Doors', 'Pinnacle Window Company', 'Heritage Window Works'],
    services: ['Window Replacement', 'Door Installation', 'Window Repair'],
    openers: [
      {
        text: 'Hi, our windows are so drafty that we can feel the wind in the living room and the heating bill is huge.',
        urgency: ['Drafts and high heating bills'],
      },
      {
        text: 'Hello, two of our windows are fogged up between the panes and one of them will not open anymore.',
        urgency: ['Failed window seals'],
      },
      {
        text: "Hi, a window got cracked by a baseball and I'd like to get a quote to replace it and maybe a few others.",
        urgency: ['Broken window'],
      },
    ],
    discovery: [
      [
        'How many windows are you thinking about replacing?',
        'Probably twelve, basically the whole front and back of the house.',
      ],
      ['Are they the original windows?', "Yes, they're the original aluminum ones from the eighties."],
      [
        'Do you prefer vinyl, wood or fiberglass?',
        'We like the look of wood but we do not want the maintenance.',
      ],
      [
        'Are any of them specialty shapes, like bays or arches?',
        "There's one bay window in the dining room.",
      ],
      ['Is noise from the street a concern?', "Yes, we're on a busy road so quieter would be great."],
      ['Which rooms bother you the most?', 'The bedrooms, they are freezing in the winter.'],
    ],
    findings: [
      'Most of the sashes have failed weatherstripping and the sills on the north side show some water damage.',
      'Two of the frames are out of square, so we would do full-frame replacement there instead of inserts.',
    ],
    proposal: [
      'I would recommend our triple-pane fiberglass windows with a wood-look interior and low-E glass.',
      'They carry a lifetime warranty, and they will cut outside noise by about half.',
    ],
    price: [8000, 26000],
    crossSell: { line: 'The front door is pretty drafty too, honestly.', service: 'entry door replacement' },
    notOffered: {
      line: 'Could you also install new siding while you are at it?',
      service: 'Siding installation',
    },
    visitAction: 'measurement',
  },
  {
    key: 'electrical',
    label: 'Electrical',
    thing: 'the wiring',
    companies: ['Volt Electric Services', 'Bright Spark Electricians', 'Ironwood Electric'],
    services: ['Panel Upgrade', 'Electrical Repair', 'Generator Installation'],
    openers: [
      {
        text: 'Hi, the breaker for our kitchen keeps tripping and one of the outlets looks scorched.',
        urgency: ['Possible fire hazard'],
      },
      {
        text: "Hello, we're adding an electric car and I was told our panel might not handle a charger.",
        urgency: ['Capacity upgrade needed'],
      },
      {
        text: 'Hi, our lights flicker whenever the air conditioner kicks on and it is getting worse.',
        urgency: ['Worsening electrical issue'],
      },
    ],
    discovery: [
      ['How old is the house?', 'It was built in 1968.'],
      ['Do you know how many amps your panel is?', 'I think it says one hundred on the main breaker.'],
      ['Have you added any big appliances recently?', 'We put in a new electric range last year.'],
      ['Is the wiring aluminum or copper, do you know?', "I really don't know, I've never checked."],
      ['Does the outlet feel warm to the touch?', 'Yes, the one by the toaster gets warm.'],
      ['Are there any two-prong outlets in the house?', 'A few in the bedrooms are still two-prong.'],
    ],
    findings: [
      'Your panel is a hundred-amp panel with a brand that has a history of failing breakers, and two breakers are double-tapped.',
      'The kitchen outlet has a loose backstab connection, which is what scorched it.',
    ],
    proposal: [
      'I would recommend a two-hundred-amp panel upgrade with new breakers and whole-home surge protection.',
      'We would also rewire the kitchen circuit and add a dedicated forty-amp circuit for the car charger.',
    ],
    price: [3500, 11000],
    crossSell: {
      line: 'We lose power a lot in the winter, so we have wondered about a generator.',
      service: 'standby generator',
    },
    notOffered: { line: 'Do you also install security cameras?', service: 'Security camera installation' },
    visitAction: 'site_visit',
  },
];

export const VERTICAL_KEYS = ['roofing', 'hvac', 'plumbing', 'solar', 'windows', 'electrical'] as const;
export type VerticalKey = (typeof VERTICAL_KEYS)[number];

export const verticalByKey = (key: string): Vertical => VERTICALS.find((v) => v.key === key) ?? VERTICALS[0]!;
