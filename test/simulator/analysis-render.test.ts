// renderAnalysis was split into short functions (issue 19, item 4) with its output unchanged: the digests
// below are of the renderings made by the code before the split (commit "wire: golden renderings of the
// simulator's analysis"), for calls chosen to cover every branch (both call types, every temperature,
// booking and outcome, with and without a budget answer), in both payload shapes.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { analysisBody, ContentCache } from '../../simulator/content/index.ts';

const CASES: ['csr_call' | 'sales_call', number][] = [
  ...[1, 2, 4, 6, 11, 12, 13, 15, 20, 30, 49, 86].map((id) => ['csr_call', id] as ['csr_call', number]),
  ...[1, 2, 3, 4, 5, 8, 13, 45, 83, 91].map((id) => ['sales_call', id] as ['sales_call', number]),
];

function renderings(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [callType, callId] of CASES) {
    const content = new ContentCache().get({
      companyId: 'golden',
      callId,
      callType,
      durationS: 300,
      submittedMs: 1_796_623_200_000,
      scenario: undefined,
    });
    for (const shape of ['handoff', 'shunya'] as const) {
      const body = analysisBody(content, shape, {
        callId,
        jobId: `job-${callId}`,
        createdAt: '2026-12-07T06:00:00.000Z',
        completedAt: '2026-12-07T06:05:00.000Z',
        targetRole: callType === 'sales_call' ? 'sales_rep' : 'customer_rep',
      });
      out[`${callType}/${callId}/${shape}`] = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    }
  }
  return out;
}

describe("the simulator's complete analysis", () => {
  it('renders every case byte for byte as before the split', () => {
    expect(renderings()).toEqual(GOLDEN);
  });
});

const GOLDEN: Record<string, string> = {
  'csr_call/1/handoff': 'f204f27eb6d77e85fc952869ff993f341ca40e4e1654b2d5783fe79629fd8c7a',
  'csr_call/1/shunya': '496c3d1217adbf1183c54d682fa24a1cd11b351c2d13e1d479ad60447847a3cb',
  'csr_call/2/handoff': '0030393cad3fa9d34b5511c8fa0f2d188612cf9dd8509e6c80dd401640925141',
  'csr_call/2/shunya': '4aefcc728da4986efe591f935a8164a5194ab728e5c0fa06091daa9b8e4bd8c9',
  'csr_call/4/handoff': '6b2268f235d5c7ebebbbbe5c6f585526c4674b6d4636b862193d672281ce496f',
  'csr_call/4/shunya': '9b987cfd4984eb2b94e23d8e740085ceb61be59dc0c1f7e32906e0916584e0be',
  'csr_call/6/handoff': '532f5acf9c01c0f34f10d80d09d7057632373e88d37ec290ad05e3e414664441',
  'csr_call/6/shunya': '936a65b945792cf4b53355048f3dc18e8b176733443b2852e4de029f7e3e1de9',
  'csr_call/11/handoff': '5fa8b0987a200f26a9129203e155e2aa3e257e0a513aadd5c7232170bcaf8cef',
  'csr_call/11/shunya': '7338d4eed3ef8d6a3323b33415dcbe10cf7a426f06a51876b79ae9f4fd94327b',
  'csr_call/12/handoff': '0f6ccd41c35ab8d0855e062488cbc581e8f45c64c37b72284907144422384a46',
  'csr_call/12/shunya': '5e29bcb18ac513c773d90c93023cdf0231d7f5fffcf01385f7b935d3293f3b34',
  'csr_call/13/handoff': 'a9ed71b8a00850a726851f5965672140447b524ba5507fba30a20f5816ed9b61',
  'csr_call/13/shunya': 'ac2af044544a5aa519e050dafe1439d4bf1842fe7f53d26b5df32cac47415ee8',
  'csr_call/15/handoff': 'cb9a740396e7557ed55958a50b889a08f766f0be1880cd1d13e757b62d51f612',
  'csr_call/15/shunya': '25f478498068b1b329968b02633dd90bea9ef5e4c5433269a4dd9c5e1277c234',
  'csr_call/20/handoff': '25c34a5810a796aa473d46c17982430d6a9a18a2ab557e2dda76db4001a81813',
  'csr_call/20/shunya': '18034fcb628a5c8fc7afeb35d1fa57c2b03289415098f0e7975588f7f751063d',
  'csr_call/30/handoff': '8fe24b118d1c941fc33c6fe091ddc12f1dedc78d8e0c21d64fc0c2da58b3d0ad',
  'csr_call/30/shunya': '59c131fcf3675aab605c062ce57a98d78167d528b6b584b67b1e919bae539176',
  'csr_call/49/handoff': 'd27300987973817ddae602c2442116494858b312582e33bc44fa21851bfe2800',
  'csr_call/49/shunya': '7db8a766604f5583924469542f0ec18a368d818d20d16ebaefb6984f3e81d148',
  'csr_call/86/handoff': 'e41d170e4a789732839e516d8294ea9603b0a5e7984279086bf5c0013c0aae8d',
  'csr_call/86/shunya': '35def257b824c0c01b69e9f38f25d73def540e40b574f59cfd2344d790a3c658',
  'sales_call/1/handoff': '129f7b26574d950008010513a94dc94ab2bcaf49945d94d475cc114aeab40f2f',
  'sales_call/1/shunya': '4f822e9f7adb776f3e513200e25f671833584a7bd147780903c054f3aeefaf70',
  'sales_call/2/handoff': 'be1bbc4411ccabf8aae52277213ce4e74e83d47808501d30cb14cf559e765859',
  'sales_call/2/shunya': 'c4dbd0e180e7763c3e7a223426bf931b5bbf92e0bc013154b6af9987c5c8fc0d',
  'sales_call/3/handoff': '00b16982a028d0da83de37bf763cc373822dac43370bf056972dfb45f3b1bf42',
  'sales_call/3/shunya': '65373cdbb0197c32d4c8398cb12ade244bde1c715476e6f8983f21e081ded548',
  'sales_call/4/handoff': 'ee27e3c07896880f545f0a8b51de979ee4fcc35b64c924439bb881dfca6c54a4',
  'sales_call/4/shunya': 'c47c8e9de86689420e8acc077a32e5f41707ef9def355143c47938e3c2234746',
  'sales_call/5/handoff': '0922cba012514c975a012b892cd130b1e8d486708f2537a141fa212d54d391e5',
  'sales_call/5/shunya': 'feaf3361196a3040142eee8e4af96d5619b0ecc702514ebe3cdb97a30d107ca7',
  'sales_call/8/handoff': '938baa6121881269c9292188997f67f69b5a8a9a569e68a76999fcdaa54a3ee2',
  'sales_call/8/shunya': '877c98e57e448152db92052880d3b7b5b61a908adbbc6b5e79c3ce7453bb787c',
  'sales_call/13/handoff': 'f93fd923eadc09d14bee6788049068607f08eff2a91f1fce7c5cf4c20e2e6d62',
  'sales_call/13/shunya': '8aaaaba59de1c68c48d1c1b0ca0754f72bfa786d5dee3f57cca736d6eba7fb94',
  'sales_call/45/handoff': '557fe9f7f35b79c3dffd0370668c5600bf266461773db1e9b93dd75816f701c2',
  'sales_call/45/shunya': '249093c6838eff9ae8b59bd29f87aff24b7fed244b914cfa375e5c5552742b6d',
  'sales_call/83/handoff': '6c5eec10bf0f92c6431be33d6d41b4dfcef0a50187a78b63c06ad673704cf0ff',
  'sales_call/83/shunya': '66dd463690c5cf9389d62ae4aa165a12d51c89d1e5bba9e2633b0e2a3916dd0e',
  'sales_call/91/handoff': 'b031edb287a3cf39b5a7f7024ba8b65918ade0baa1d1cabf5ccaab7679a1aa4c',
  'sales_call/91/shunya': 'dce8faf24c8cb74fbdfb16973ac631f4b8b232333f9db0a277ef8258c7bceabc',
};
